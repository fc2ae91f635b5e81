from tests.e2e.conftest import any_platform, pg_platform, platform  # noqa: F401 - shared fixtures
