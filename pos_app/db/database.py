"""The terminal's SQLite database: connection settings, transactions and migrations on start.

- WAL journal, ``synchronous=FULL`` (a completed sale survives power loss), a busy timeout so the sync
  thread and the till can share the file, foreign keys on.
- ``write()`` opens ``BEGIN IMMEDIATE`` so two writers never deadlock half-way; ``read()`` a deferred
  transaction (a consistent snapshot in WAL mode that never blocks the writer).
- Opening migrates the file to this version's schema with Alembic, after a backup copy. A file written
  by a newer version is refused with :class:`DatabaseTooNewError` and left untouched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from pos_app.db import SCHEMA_HEAD, schema

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


class DatabaseTooNewError(DatabaseError):
    pass


def _alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_alembic_config("sqlite://")).get_heads()
    if len(heads) != 1:
        raise DatabaseError(f"migrations have {len(heads)} heads; merge them")
    return heads[0]


def _configure(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's implicit BEGIN is deferred and
        # late); see "Serializable isolation / Savepoints / Transactional DDL" in the SQLAlchemy docs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get("pos_write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=4,
        max_overflow=4,
    )
    _configure(engine)
    return engine


class Database:
    """One SQLite file. Thread-safe: each thread gets its own pooled connection per transaction."""

    def __init__(self, path: Path, *, migrate: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.path)
        if migrate:
            self.migrate()

    # --- transactions -----------------------------------------------------------------------------
    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE); commits on success, rolls back on any exception.

        ``durable=False`` commits without waiting for the disk (``synchronous=NORMAL`` for this one
        transaction): it survives the program crashing or being killed, not a power cut -- for state
        that is cheap to lose and written often (the basket being rung up, before any money)."""
        with self.engine.connect() as raw:
            conn = raw.execution_options(pos_write=True)
            dbapi = raw.connection.dbapi_connection
            if not durable:
                dbapi.execute("PRAGMA synchronous = NORMAL")  # autocommit mode: outside any transaction
            try:
                with conn.begin():
                    yield conn
            finally:
                if not durable:
                    dbapi.execute("PRAGMA synchronous = FULL")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: a consistent snapshot, never blocking writers."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    # --- schema -----------------------------------------------------------------------------------
    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            has_table = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).first()
            if has_table is None:
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def migrate(self) -> None:
        """Bring the file to this version's schema; refuse (and leave alone) a newer file."""
        try:
            current = self.current_revision()
        except OperationalError as exc:
            raise DatabaseError(f"{self.path} cannot be opened as a database: {exc.orig}") from exc
        if current == SCHEMA_HEAD:
            return  # the common case: no Alembic import at all
        from alembic import command
        from alembic.script import ScriptDirectory

        config = _alembic_config(str(self.engine.url))
        script = ScriptDirectory.from_config(config)
        head = head_revision()
        if current == head:
            return
        known = {rev.revision for rev in script.walk_revisions()}
        if current is not None and current not in known:
            raise DatabaseTooNewError(
                f"{self.path} was written by a newer version of this program (schema {current}). "
                "Install that version again or ask support; this version will not open it, so nothing "
                "in it is changed."
            )
        if current is not None:
            self._backup(current)
        with self.engine.connect() as conn:
            config.attributes["connection"] = conn.execution_options(pos_write=True)
            command.upgrade(config, "head")
            conn.commit()

    def _backup(self, revision: str) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.stem}.before-{revision}.{stamp}{self.path.suffix}")
        source = sqlite3.connect(self.path)
        try:
            dest = sqlite3.connect(target)
            with dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
        return target

    # --- small helpers used across repositories ---------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.read() as conn:
            return get_meta(conn, key, default)

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            set_meta(conn, key, value)


_GET_META = select(schema.meta.c.value).where(schema.meta.c.key == bindparam("key"))
_SET_META = sqlite_insert(schema.meta).on_conflict_do_update(
    index_elements=[schema.meta.c.key], set_={"value": sqlite_insert(schema.meta).excluded.value}
)


def get_meta(conn: Connection, key: str, default: str | None = None) -> str | None:
    value = conn.execute(_GET_META, {"key": key}).scalar()
    return default if value is None else value


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(_SET_META, {"key": key, "value": value})


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
