"""The platform's database: engine, transactions and migrations (Alembic, run when the app starts).

SQLite (the default, embedded) runs in WAL mode and takes its write lock at BEGIN IMMEDIATE, so two
concurrent pushes queue instead of failing half-way; PostgreSQL serialises what must be serialised
with row locks (``SELECT ... FOR UPDATE``) in a fixed order (see ``central.ingest``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
SQLITE_BUSY_MS = 30_000
WAL_AUTOCHECKPOINT_PAGES = 16_000


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def make_engine(url: str, *, pool_size: int = 10, synchronous: str = "FULL") -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            # checkpoint the WAL every ~64 MB instead of every 4 MB: a 500-event batch writes ~2 MB,
            # and a checkpoint (an fsync of the whole database file) per batch halves the ingest rate
            cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            write = connection.get_execution_options().get("central_write")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class Database:
    """The engine and its transactions. Thread-safe: each transaction takes its own pooled connection."""

    def __init__(self, url: str, *, migrate: bool = True, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self._write_engine = self.engine.execution_options(central_write=True)
        self._fast_engine = self._write_engine
        if self.is_sqlite:
            self._fast_engine = make_engine(url, pool_size=2, synchronous="OFF").execution_options(
                central_write=True
            )
        if migrate:
            self.migrate()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def migrate(self) -> None:
        config = _alembic_config(self.url)
        with self.engine.connect() as conn:
            config.attributes["connection"] = conn.execution_options(central_write=True)
            command.upgrade(config, "head")
            conn.commit()

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Connection]:
        """A write transaction (Core); commits on success, rolls back on any exception.

        ``durable=False`` does not wait for the disk at commit (for what may be lost in a power cut:
        request nonces); the transaction is still atomic."""
        engine = self._write_engine if durable else self._fast_engine
        with engine.begin() as conn:
            if not durable and not self.is_sqlite:
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction whose statements all see one snapshot (REPEATABLE READ on PostgreSQL;
        any SQLite read transaction already does in WAL mode)."""
        with self.engine.connect() as raw:
            conn = raw if self.is_sqlite else raw.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session in a write transaction; commits on success."""
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
        if self._fast_engine is not self._write_engine:
            self._fast_engine.engine.dispose()
