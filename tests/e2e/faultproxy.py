"""A small TCP fault proxy between a terminal and the platform, for the failure tests.

Modes: ``pass`` (forward both ways), ``refuse`` (close every new connection at once: the platform is
"offline"), ``blackhole`` (accept, never answer: time-outs) and ``drop_responses(n)`` (forward the next
``n`` requests to the platform, let it answer -- so it commits -- and throw the answers away, closing
the connection: "the response was lost after the commit"). ``on_request`` is called when request
bytes are forwarded (to kill a server in the middle of a batch).

Threads are daemons and ``close()`` joins the acceptor; only 127.0.0.1 is ever used.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Callable


class FaultProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = "pass"
        self._drop = 0
        self.dropped = 0
        self.on_request: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)  # so close() is noticed at once
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._conns: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop_responses(self, n: int = 1) -> None:
        with self._lock:
            self._drop = n

    def set_mode(self, mode: str) -> None:
        assert mode in ("pass", "refuse", "blackhole")
        self.mode = mode
        if mode != "pass":
            self.cut()

    def cut(self) -> None:
        """Close every open connection (a network drop)."""
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self.cut()
        self._thread.join(5)

    # --- internals --------------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            if self.mode == "refuse":
                client.close()
                continue
            with self._lock:
                self._conns.add(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True, name="fault-proxy-conn").start()

    def _take_drop(self) -> bool:
        with self._lock:
            if self._drop > 0:
                self._drop -= 1
                self.dropped += 1
                return True
            return False

    def _serve(self, client: socket.socket) -> None:
        if self.mode == "blackhole":
            while not self._closed.is_set() and self.mode == "blackhole":
                time.sleep(0.05)
            client.close()
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        with self._lock:
            self._conns.add(upstream)
        dropping = False
        try:
            while not self._closed.is_set():
                readable, _w, _x = select.select([client, upstream], [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        if self.mode != "pass":
                            return
                        if not dropping:
                            dropping = self._take_drop()
                        upstream.sendall(data)
                        if self.on_request is not None:
                            self.on_request()
                    else:
                        if dropping:
                            # let the platform finish answering (it has committed), then lose it all
                            self._drain(upstream)
                            return
                        client.sendall(data)
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._conns.discard(client)
                self._conns.discard(upstream)

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        sock.settimeout(0.3)
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass
