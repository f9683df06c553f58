"""Supervision: the 双随机一公开 draw over a province-sized list.

    .venv/bin/python bench/supervision.py [--quick] [--repeat N]

- ``draw_s``: ``core.inspection_draw.draw`` over 100,000 targets and 500 inspectors at a 5 % ratio in
  pairs, with avoidance pairs for 2 % of the targets (declared conflicts, relationships and recent
  inspections, as ``supervision.inspections`` publishes them); the best and the median of
  ``--repeat`` runs, with the CPU time of the process. ``--quick``: 10,000 targets and 100
  inspectors. The draw is verified once afterwards (``verify``), as a citizen would.

Not measured yet (the rest of the supervision issue): dashboard and ranking p95, the nightly rollup
rebuild and the transition overhead of incremental rollups.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from tongban.core import inspection_draw


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 targets and 100 inspectors")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the draw (default 5)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    n_targets, n_inspectors = (10_000, 100) if args.quick else (100_000, 500)
    rng = random.Random(20261207)
    targets = [f"9112{n:014d}" for n in range(n_targets)]
    inspectors = [f"I{n:05d}" for n in range(n_inspectors)]
    avoid = [(rng.choice(inspectors), t) for t in rng.sample(targets, n_targets // 50) for _ in range(3)]
    seed = bytes(rng.getrandbits(8) for _ in range(32))
    walls, cpus = [], []
    result: list[inspection_draw.Assignment] = []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = inspection_draw.draw(
            seed=seed, targets=targets, inspectors=inspectors, ratio_bp=500, team_size=2, avoid=avoid
        )
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    published = {
        "seed": seed.hex(),
        "commitment": inspection_draw.commitment(seed),
        "targets": targets,
        "inspectors": inspectors,
        "targets_digest": inspection_draw.list_digest(targets),
        "inspectors_digest": inspection_draw.list_digest(inspectors),
        "avoid": [list(p) for p in avoid],
        "ratio_bp": 500,
        "team_size": 2,
        "assignments": [{"target": a.target, "inspectors": list(a.inspectors)} for a in result],
    }
    started = time.perf_counter()
    inspection_draw.verify(published)
    verify_s = time.perf_counter() - started
    print(
        f"machine: {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"targets {n_targets}, inspectors {n_inspectors}, avoidance pairs {len(avoid)}, drawn {len(result)}")
    print(
        f"draw: best {min(walls):.3f} s, median {statistics.median(walls):.3f} s, CPU median {statistics.median(cpus):.3f} s"
    )
    print(f"verify (recompute + compare): {verify_s:.3f} s")
    print(
        json.dumps(
            {
                "draw_s": round(statistics.median(walls), 3),
                "draw_best_s": round(min(walls), 3),
                "draw_cpu_s": round(statistics.median(cpus), 3),
                "verify_s": round(verify_s, 3),
                "targets": n_targets,
                "inspectors": n_inspectors,
                "drawn": len(result),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
