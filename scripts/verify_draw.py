#!/usr/bin/env python3
"""Recompute a published 双随机一公开 draw and print its selection — no Tongban installation needed.

Usage: ``python3 scripts/verify_draw.py DRAW.json`` (the JSON a node publishes at
``/supervision/inspections/<id>/draw.json``; ``-`` reads standard input).

It checks that the revealed seed matches the commitment published before the draw, that the lists
match their published digests, recomputes the draw with the documented algorithm
(``src/tongban/core/inspection_draw.py``, loaded from this repository by its path, standard library
only) and compares it with the published result. Exit status 0 and the selection when everything
holds; 1 with the reason when not.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ALGORITHM = Path(__file__).resolve().parent.parent / "src" / "tongban" / "core" / "inspection_draw.py"


def _algorithm() -> object:
    spec = importlib.util.spec_from_file_location("inspection_draw", ALGORITHM)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {ALGORITHM}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    text = sys.stdin.read() if argv[1] == "-" else Path(argv[1]).read_text(encoding="utf-8")
    published = json.loads(text)
    algorithm = _algorithm()
    try:
        result = algorithm.verify(published)  # type: ignore[attr-defined]
    except (algorithm.InspectionDrawError, KeyError, ValueError, TypeError) as exc:  # type: ignore[attr-defined]
        print(f"NOT VERIFIED: {exc}")
        return 1
    print(
        f"verified: {published.get('version')} plan {published.get('plan')} seed commitment {published['commitment']}"
    )
    print(f"{len(result)} of {len(published['targets'])} targets drawn")
    for a in result:
        print(f"{a.target}\t{' '.join(a.inspectors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
