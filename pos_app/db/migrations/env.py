"""Alembic environment for the terminal database. Run through ``Database.migrate()``, which passes the
open connection in ``config.attributes["connection"]``; ``alembic`` on the command line also works for
developers (``alembic -c pos_app/db/migrations/alembic.ini revision --autogenerate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from pos_app.db.schema import metadata

config = context.config


def _include_object(obj, name, type_, reflected, compare_to):
    # FTS5 virtual tables and their shadow tables are created by hand in the migrations.
    return not (type_ == "table" and name and name.startswith("product_search"))


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
