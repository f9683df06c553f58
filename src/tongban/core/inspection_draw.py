"""The random inspection draw of 双随机一公开: random targets, random inspectors in pairs, with avoidance.

Pure Python, standard library only, no Django and no other Tongban module: ``scripts/verify_draw.py``
loads this very file by its path, so anyone can recompute a published draw without Tongban installed.

The protocol around it (``tongban.supervision.inspections`` does it):

1. The plan's lists are frozen and published — the eligible targets, the qualified inspectors and
   the avoidance pairs (declared conflicts, relationships, the same target inspected by the same
   inspector within the plan's avoidance period) — with the SHA-256 of a fresh secret seed
   (``commitment``). Nothing of them can change afterwards.
2. The seed is revealed and ``draw`` runs. Anyone checks ``sha256(seed) == commitment`` and runs
   ``draw`` again on the published inputs: the same targets and the same pairs come out.

The algorithm (version ``tongban-inspection-draw/1``):

- Each id's key is ``SHA-256(b"tongban-inspection-draw/1" 0x00 seed 0x00 kind 0x00 utf8(id))`` with
  kind ``t`` for targets and ``i`` for inspectors. Both lists are ordered by (key, id): uniformly
  random permutations fixed by the seed, which nobody can steer without changing the committed seed.
- The number of targets is ``ceil(len(targets) * ratio_bp / 10000)`` (``ratio_bp``: the plan's ratio
  in hundredths of a percent, an integer, so no floating point is involved); the first ones of the
  ordered targets are drawn.
- The ordered inspectors form a ring with a pointer at its start. For each drawn target in order,
  walk the ring from the pointer and take the first ``team_size`` inspectors not paired with the
  target in ``avoid``; the pointer moves past the last one taken, so the work is spread evenly.
  A target for which a whole turn of the ring finds fewer than ``team_size`` raises
  ``InspectionDrawError("too_few_inspectors")`` rather than relaxing the avoidance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

VERSION = "tongban-inspection-draw/1"
_PREFIX = VERSION.encode() + b"\x00"
MAX_RATIO_BP = 10_000


class InspectionDrawError(ValueError):
    """The draw cannot be made from its inputs; ``code`` is stable."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class Assignment:
    target: str
    inspectors: tuple[str, ...]


def commitment(seed: bytes) -> str:
    """The published commitment of a seed: its SHA-256, hex."""
    return hashlib.sha256(seed).hexdigest()


def list_digest(ids: Iterable[str]) -> str:
    """The SHA-256 (hex) of a list of ids, sorted and joined by newlines: names a published list."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def ordered(seed: bytes, kind: bytes, ids: Iterable[str]) -> list[str]:
    base = hashlib.sha256(_PREFIX + seed + b"\x00" + kind + b"\x00")
    keyed = []
    for id_ in ids:
        h = base.copy()
        h.update(id_.encode())
        keyed.append((h.digest(), id_))
    keyed.sort()
    return [id_ for _, id_ in keyed]


def target_count(total: int, ratio_bp: int) -> int:
    return -(-total * ratio_bp // MAX_RATIO_BP)


def draw(
    *,
    seed: bytes,
    targets: Sequence[str],
    inspectors: Sequence[str],
    ratio_bp: int,
    team_size: int = 2,
    avoid: Iterable[tuple[str, str]] = (),
) -> list[Assignment]:
    """Draw the targets and a team of inspectors for each (see the module's documentation)."""
    if len(seed) < 16:
        raise InspectionDrawError("seed_too_short")
    if not 0 < ratio_bp <= MAX_RATIO_BP:
        raise InspectionDrawError("invalid_ratio", str(ratio_bp))
    if team_size < 1:
        raise InspectionDrawError("invalid_team_size", str(team_size))
    if not targets:
        raise InspectionDrawError("no_targets")
    if len(set(targets)) != len(targets) or len(set(inspectors)) != len(inspectors):
        raise InspectionDrawError("duplicate_ids")
    if len(inspectors) < team_size:
        raise InspectionDrawError("too_few_inspectors", f"{len(inspectors)} < {team_size}")
    conflicts: dict[str, set[str]] = {}
    for inspector, target in avoid:
        conflicts.setdefault(target, set()).add(inspector)
    drawn = ordered(seed, b"t", targets)[: target_count(len(targets), ratio_bp)]
    ring = ordered(seed, b"i", inspectors)
    size = len(ring)
    pointer = 0
    out: list[Assignment] = []
    for target in drawn:
        barred = conflicts.get(target, set())
        team: list[str] = []
        step = 0
        while step < size and len(team) < team_size:
            candidate = ring[(pointer + step) % size]
            step += 1
            if candidate not in barred:
                team.append(candidate)
        if len(team) < team_size:
            raise InspectionDrawError("too_few_inspectors", target)
        pointer = (pointer + step) % size
        out.append(Assignment(target=target, inspectors=tuple(team)))
    return out


def verify(published: dict[str, object]) -> list[Assignment]:
    """Recompute a published draw (the JSON ``supervision`` publishes) and check it; answers the draw.

    Raises ``InspectionDrawError`` with code ``commitment_mismatch``, ``list_mismatch`` or
    ``result_mismatch`` when the publication does not hold together.
    """
    seed = bytes.fromhex(str(published["seed"]))
    if commitment(seed) != published["commitment"]:
        raise InspectionDrawError("commitment_mismatch")
    targets = [str(t) for t in published["targets"]]  # type: ignore[attr-defined]
    inspectors = [str(i) for i in published["inspectors"]]  # type: ignore[attr-defined]
    if list_digest(targets) != published["targets_digest"] or list_digest(inspectors) != published["inspectors_digest"]:
        raise InspectionDrawError("list_mismatch")
    avoid = [(str(a), str(b)) for a, b in published["avoid"]]  # type: ignore[attr-defined]
    result = draw(
        seed=seed,
        targets=targets,
        inspectors=inspectors,
        ratio_bp=int(published["ratio_bp"]),  # type: ignore[call-overload]
        team_size=int(published["team_size"]),  # type: ignore[call-overload]
        avoid=avoid,
    )
    claimed = [(str(a["target"]), tuple(str(i) for i in a["inspectors"])) for a in published["assignments"]]  # type: ignore[attr-defined]
    if [(a.target, a.inspectors) for a in result] != claimed:
        raise InspectionDrawError("result_mismatch")
    return result
