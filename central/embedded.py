"""The central platform inside the demo: uvicorn on a background thread, 127.0.0.1, SQLite, seeded
with the demo data set so the terminal and the platform agree on every id.

Only the demo launcher (``pos_app.demo_central``) and the tests use this. ``start()`` returns once the
server answers; ``stop()`` shuts it down and waits for its thread. Thread-safe to start and stop from
the GUI thread (neither blocks for more than a few seconds).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import uvicorn

from central.admin import Admin
from central.api.deps import Platform
from central.core.config import Settings
from central.main import build_platform, create_app

log = logging.getLogger(__name__)
START_TIMEOUT_SECONDS = 30


class ServerThread:
    """uvicorn serving ``app`` on a daemon thread; ``start()`` returns the port once it listens."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="off", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="central-embedded", daemon=True)
        self.host = host
        self.port = port

    def start(self) -> int:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.server.should_exit = True
                raise RuntimeError(f"the platform did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self.port

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class EmbeddedCentral:
    """``data_dir`` holds ``central.sqlite3`` (kept between runs, so the demo's history stays); or give
    a ``database_url`` (e.g. PostgreSQL in tests). ``port=0`` picks a free port."""

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        database_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed_demo: bool = True,
        products: int = 2000,
        members: int = 200,
        seed: int = 42,
        store_code: str = "S001",
        settings: Settings | None = None,
    ) -> None:
        if database_url is None:
            if data_dir is None:
                raise ValueError("give data_dir or database_url")
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            database_url = f"sqlite:///{Path(data_dir) / 'central.sqlite3'}"
        base = settings or Settings()
        self.settings = Settings(**{**base.__dict__, "database_url": database_url})
        self.host = host
        self.port = port
        self.seed_options = (products, members, seed) if seed_demo else None
        self.store_code = store_code
        self.platform: Platform | None = None
        self._server: ServerThread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def admin(self) -> Admin:
        if self.platform is None:
            raise RuntimeError("the embedded platform is not started")
        return Admin(self.platform.db, self.platform.settings)

    def start(self) -> str:
        """Open the database (migrating and seeding it), serve, and return the base URL."""
        with self._lock:
            if self._server is not None:
                return self.url
            self.platform = build_platform(self.settings)
            if self.seed_options is not None:
                products, members, seed = self.seed_options
                self.admin.seed_demo(products, members, seed, self.store_code)
            else:
                self.admin.create_store(self.store_code)
            server = ServerThread(create_app(platform=self.platform), self.host, self.port)
            self.port = server.start()
            self._server = server
            return self.url

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            if server is not None:
                server.stop()
            if self.platform is not None:
                self.platform.db.close()
                self.platform = None

    def enrolment_code(self, terminal_code: str = "T01") -> str:
        return self.admin.issue_enrolment_code(self.store_code, terminal_code)

    def __enter__(self) -> EmbeddedCentral:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
