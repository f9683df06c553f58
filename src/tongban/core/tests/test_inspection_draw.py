"""The 双随机一公开 draw: reproducible from its published inputs, sensitive to each of them, avoiding conflicts,
and recomputable by ``scripts/verify_draw.py`` without Tongban."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tongban.core.inspection_draw import (
    InspectionDrawError,
    commitment,
    draw,
    list_digest,
    target_count,
    verify,
)

SEED = bytes(range(32))
TARGETS = [f"T{n:04d}" for n in range(200)]
INSPECTORS = [f"I{n:02d}" for n in range(12)]
ROOT = Path(__file__).resolve().parents[4]


def _published(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"ratio_bp": 1000, "team_size": 2, "avoid": [("I00", "T0001"), ("I03", "T0042")]}
    args.update(overrides)
    result = draw(seed=SEED, targets=TARGETS, inspectors=INSPECTORS, **args)
    return {
        "version": "tongban-inspection-draw/1",
        "plan": 1,
        "commitment": commitment(SEED),
        "seed": SEED.hex(),
        "ratio_bp": args["ratio_bp"],
        "team_size": args["team_size"],
        "targets": TARGETS,
        "inspectors": INSPECTORS,
        "avoid": [list(p) for p in args["avoid"]],
        "targets_digest": list_digest(TARGETS),
        "inspectors_digest": list_digest(INSPECTORS),
        "assignments": [{"target": a.target, "inspectors": list(a.inspectors)} for a in result],
    }


def test_the_same_inputs_give_the_same_draw_and_the_ratio_sets_the_count() -> None:
    # given the same seed and lists, twice
    first = draw(seed=SEED, targets=TARGETS, inspectors=INSPECTORS, ratio_bp=1000)
    second = draw(seed=SEED, targets=list(reversed(TARGETS)), inspectors=list(reversed(INSPECTORS)), ratio_bp=1000)
    # then the draw is the same (the order of the lists does not matter) and 10 % of 200 is 20
    assert first == second
    assert len(first) == 20 == target_count(200, 1000)
    assert target_count(3, 1) == 1 and target_count(200, 10_000) == 200


def test_changing_any_input_changes_the_draw() -> None:
    base = draw(seed=SEED, targets=TARGETS, inspectors=INSPECTORS, ratio_bp=1000)
    other_seed = draw(seed=bytes(reversed(SEED)), targets=TARGETS, inspectors=INSPECTORS, ratio_bp=1000)
    one_more_target = draw(seed=SEED, targets=[*TARGETS, "T9999"], inspectors=INSPECTORS, ratio_bp=1000)
    one_inspector_less = draw(seed=SEED, targets=TARGETS, inspectors=INSPECTORS[:-1], ratio_bp=1000)
    assert other_seed != base
    assert [a.target for a in one_more_target] != [a.target for a in base] or one_more_target != base
    assert one_inspector_less != base


def test_teams_avoid_declared_conflicts_and_the_work_is_spread() -> None:
    # given every target barred for inspector I00
    avoid = [("I00", t) for t in TARGETS]
    # when all targets are drawn
    result = draw(seed=SEED, targets=TARGETS, inspectors=INSPECTORS, ratio_bp=10_000, avoid=avoid)
    # then I00 is on no team, every team has two different inspectors, and the load is even
    assert all("I00" not in a.inspectors and len(set(a.inspectors)) == 2 for a in result)
    load = Counter(i for a in result for i in a.inspectors)
    assert max(load.values()) - min(load.values()) <= 2


def test_impossible_draws_are_refused_with_stable_codes() -> None:
    with pytest.raises(InspectionDrawError) as empty:
        draw(seed=SEED, targets=[], inspectors=INSPECTORS, ratio_bp=100)
    assert empty.value.code == "no_targets"
    for ratio in (0, 10_001, -5):
        with pytest.raises(InspectionDrawError) as bad_ratio:
            draw(seed=SEED, targets=TARGETS, inspectors=INSPECTORS, ratio_bp=ratio)
        assert bad_ratio.value.code == "invalid_ratio"
    with pytest.raises(InspectionDrawError) as too_few:
        draw(seed=SEED, targets=["T1"], inspectors=["I1", "I2"], ratio_bp=10_000, avoid=[("I1", "T1")])
    assert too_few.value.code == "too_few_inspectors"
    with pytest.raises(InspectionDrawError) as short_seed:
        draw(seed=b"short", targets=TARGETS, inspectors=INSPECTORS, ratio_bp=100)
    assert short_seed.value.code == "seed_too_short"


def test_verify_recomputes_a_publication_and_catches_each_kind_of_tampering() -> None:
    published = _published()
    assert [a.target for a in verify(published)] == [a["target"] for a in published["assignments"]]
    tampered = {
        "commitment_mismatch": {**published, "seed": bytes(reversed(SEED)).hex()},
        "list_mismatch": {**published, "targets": [*TARGETS[:-1], "T7777"]},
        "result_mismatch": {
            **published,
            "assignments": [{"target": "T0000", "inspectors": ["I01", "I02"]}, *published["assignments"][1:]],
        },
    }
    for code, doc in tampered.items():
        with pytest.raises(InspectionDrawError) as refused:
            verify(doc)
        assert refused.value.code == code


def _verify(path: Path) -> subprocess.CompletedProcess[str]:
    """The shipped script, in an interpreter without site-packages: no Django, no Tongban."""
    return subprocess.run(  # noqa: S603 (our own script and file)
        [sys.executable, "-I", "-S", str(ROOT / "scripts" / "verify_draw.py"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_shipped_script_verifies_a_draw_without_tongban(tmp_path: Path) -> None:
    # given a published draw in a file
    published = _published()
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(published), encoding="utf-8")
    # when the script runs in an interpreter without site-packages (no Django, no Tongban)
    run = _verify(path)
    # then it prints the same selection
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[0].startswith("verified: tongban-inspection-draw/1")
    assert lines[2:] == [f"{a['target']}\t{' '.join(a['inspectors'])}" for a in published["assignments"]]
    # and a tampered one is not verified
    path.write_text(json.dumps({**published, "ratio_bp": 2000}), encoding="utf-8")
    run = _verify(path)
    assert run.returncode == 1 and "NOT VERIFIED: result_mismatch" in run.stdout
