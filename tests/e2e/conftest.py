from __future__ import annotations

import pytest

from tests.e2e.harness import Platform, postgres_database, postgres_problem, require_postgres


def _postgres_or_skip() -> None:
    problem = postgres_problem()
    if problem is not None:
        if require_postgres():
            pytest.fail(problem + " -- and O2O_REQUIRE_POSTGRES=1 says it must be")
        pytest.skip(problem)


@pytest.fixture
def platform(tmp_path):
    p = Platform(tmp_path)
    yield p
    p.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_platform(request, tmp_path):
    """The platform on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        p = Platform(tmp_path)
        yield p
        p.close()
        return
    _postgres_or_skip()
    with postgres_database() as url:
        p = Platform(tmp_path, url)
        yield p
        p.close()


@pytest.fixture
def pg_platform(tmp_path):
    _postgres_or_skip()
    with postgres_database() as url:
        p = Platform(tmp_path, url)
        yield p
        p.close()
