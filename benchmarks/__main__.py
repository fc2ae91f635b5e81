"""``python -m benchmarks [name ...]``: run the benchmarks (all, or those whose module names contain a
given word) and print each figure beside its budget and its floor. Exit status 1 if any is over."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks import common


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if not a.startswith("-")]
    package = Path(__file__).resolve().parent
    modules = sorted(m.name for m in pkgutil.iter_modules([str(package)]) if m.name.startswith("bench_"))
    selected = [m for m in modules if not wanted or any(w in m for w in wanted)]
    if not selected:
        print(f"no benchmark matches {wanted}; have {modules}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    for name in selected:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.{name}").run()
    over = [r for r in common.RESULTS if not r["ok"]]
    out = package / ".cache" / "results.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(common.RESULTS, indent=2, ensure_ascii=False))
    print(
        f"\n{len(common.RESULTS)} figures in {time.perf_counter() - start:.0f} s; {len(over)} over budget "
        f"({out.relative_to(package.parent)})"
    )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
