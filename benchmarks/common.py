"""Shared pieces of the benchmarks: cached large catalogues, percentiles and the report line."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
RESULTS: list[dict] = []


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


@dataclass
class Figure:
    name: str
    measured: str
    budget: str
    floor: str
    ok: bool
    details: dict = field(default_factory=dict)


def report(name: str, measured: str, budget: str, floor: str, ok: bool, **details: object) -> Figure:
    figure = Figure(name, measured, budget, floor, ok, dict(details))
    RESULTS.append(figure.__dict__)
    status = "OK  " if ok else "OVER"
    pad = " " * 8
    print(
        f"[{status}] {name}\n{pad}measured: {measured}\n{pad}budget:   {budget}\n{pad}floor:    {floor}",
        flush=True,
    )
    return figure


def ms(value: float) -> str:
    return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"


def dist(samples: list[float]) -> str:
    return f"p50 {ms(statistics.median(samples))}, p99 {ms(percentile(samples, 99))} (n={len(samples)})"


def _fingerprint(*parts: object) -> str:
    digest = hashlib.sha256()
    for source in (ROOT / "resources/demo/generator.py", ROOT / "pos_app/db/catalog.py"):
        digest.update(source.read_bytes())
    for migration in sorted((ROOT / "pos_app/db/migrations/versions").glob("*.py")):
        digest.update(migration.read_bytes())
    digest.update(json.dumps(parts).encode())
    return digest.hexdigest()[:16]


def cached_terminal_home(products: int, members: int = 10_000) -> Path:
    """A terminal data folder with a demo catalogue of ``products``, built once and kept in
    ``benchmarks/.cache`` (rebuilt when the generator, the catalogue code or the schema changes)."""
    from pos_app.app import build_terminal
    from pos_app.services.demo import install_demo

    key = _fingerprint(products, members)
    home = CACHE / f"terminal-{products}-{key}"
    if (home / "ready").exists():
        return home
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    print(f"(building a {products:,}-product catalogue once in {home} ...)", flush=True)
    start = time.perf_counter()
    terminal = build_terminal(home)
    summary = install_demo(terminal.ctx, products=products, members=members)
    terminal.close()
    (home / "demo.json").write_text(json.dumps({"staff": summary.staff, "member_code": summary.member_code}))
    (home / "ready").write_text(f"{time.perf_counter() - start:.1f} s")
    for stale in CACHE.glob(f"terminal-{products}-*"):
        if stale != home:
            shutil.rmtree(stale, ignore_errors=True)
    return home


@contextmanager
def scratch_copy(home: Path) -> Iterator[Path]:
    """A throw-away copy of a cached data folder, so a benchmark can write to it."""
    with tempfile.TemporaryDirectory(prefix="pos-bench-", dir=CACHE) as tmp:
        target = Path(tmp) / "home"
        shutil.copytree(home, target)
        os.sync()  # flush the copy now, or its dirty pages would slow the first fsyncs we measure
        yield target
