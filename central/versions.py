"""The one counter behind every pullable row's ``version``.

A transaction takes the next version as late as it can (just before its last writes) and holds the
counter's row lock until it commits, so versions become visible in the order they were handed out: a
terminal that has seen version ``v`` can never later miss a row committed with a smaller one.
Anything that changes stock levels takes the counter *before* touching them (lock order: counter,
then stock rows), so two transactions can never wait on each other in a cycle.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from central.models import VersionCounter

COUNTER = "change"
_T = VersionCounter.__table__


def ensure_counter(conn: Connection) -> None:
    if conn.execute(select(_T.c.value).where(_T.c.name == COUNTER)).first() is None:
        conn.execute(_T.insert().values(name=COUNTER, value=0))


def next_version(conn: Connection) -> int:
    """Reserve the next version inside ``conn``'s transaction (locks the counter until commit)."""
    return conn.execute(
        update(_T).where(_T.c.name == COUNTER).values(value=_T.c.value + 1).returning(_T.c.value)
    ).scalar_one()
