"""Settings of the central platform, read once from the environment (``CENTRAL_*``) or given in code.

SQLite by default (embedded, for the demo and a single store); PostgreSQL by URL for production, e.g.
``CENTRAL_DATABASE_URL=postgresql+psycopg://user@host/o2o``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

DEFAULT_DATABASE_URL = "sqlite:///central.sqlite3"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # how far a signed request's timestamp may be from our clock, and how long nonces are remembered
    max_skew_seconds: int = 300
    # a device whose clock is further off than this gets a clock-skew exception
    skew_exception_seconds: int = 120
    enrolment_code_minutes: int = 60 * 24
    coupon_reservation_seconds: int = 15 * 60
    # most points one device may let a member overspend offline before the next sync (matches the
    # terminals' points.offline_limit); an overdraft beyond it is flagged as such
    points_offline_bound: int = 5000
    member_lookup_salt: str = "o2o-demo-salt"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        settings = cls(
            database_url=os.environ.get("CENTRAL_DATABASE_URL") or DEFAULT_DATABASE_URL,
            max_skew_seconds=_env_int("CENTRAL_MAX_SKEW_SECONDS", 300),
            enrolment_code_minutes=_env_int("CENTRAL_ENROLMENT_CODE_MINUTES", 60 * 24),
            points_offline_bound=_env_int("CENTRAL_POINTS_OFFLINE_BOUND", 5000),
            member_lookup_salt=os.environ.get("CENTRAL_MEMBER_LOOKUP_SALT") or "o2o-demo-salt",
        )
        return replace(settings, **overrides) if overrides else settings
