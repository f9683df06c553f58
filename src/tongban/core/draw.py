"""A verifiable random draw: a documented deterministic function of a committed seed and published lists.

Used for the expert draw of public-resource trading (评标专家抽取) and meant for the random draws of
supervision (双随机一公开). Pure Python, no Django: anyone can re-run a published draw with this file.

The protocol around it (the caller's job):

1. Publish the list of candidates (``digest(ids)`` names it) and the rules (count, group minimums and
   maximums, pairs kept apart, ids already seated or used), and ``commit(seed)``: the SHA-256 of a
   fresh secret seed (``new_seed()``, 32 random bytes). Nothing of the list may change afterwards.
2. Reveal the seed and run ``draw(...)``. Anyone checks ``commit(seed)`` against the published hash
   and re-runs the draw from the published inputs; they get the same result.
3. A replacement (someone declined or must recuse) is ``draw`` again with the same seed, the next
   ``round``, the still-seated ids as ``seated`` and every id drawn so far in ``exclude``.

The algorithm (version ``tongban-draw/1``):

- Each candidate's key is ``SHA-256(b"tongban-draw/1" 0x00 seed 0x00 ascii(round) 0x00 utf8(id))``.
  Candidates are ordered by (key, id): a uniformly random permutation fixed by the seed and round
  that no one can steer without changing the committed seed.
- Phase 1, minimums: for each group with a minimum, in sorted group order, walk the ordered list and
  take members of that group until the group has its minimum (seated ids count).
- Phase 2, the rest: walk the ordered list and take candidates until ``count`` are taken.
- A candidate is skipped when excluded, already taken or seated, when its group has reached its
  maximum, or when it is paired ``apart`` with someone taken or seated (e.g. two experts who
  evaluated together recently). Skipping is decided at the moment the candidate is reached, so the
  result depends on the order alone.
- Too few candidates for a minimum or for the count raises ``DrawError`` (code ``too_few_candidates``)
  rather than relaxing a rule.

The result lists the taken ids in the order taken (phase 1 first).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

VERSION = "tongban-draw/1"
_PREFIX = VERSION.encode() + b"\x00"


class DrawError(ValueError):
    """The rules cannot be met from the candidates (``code`` is stable; ``group`` names the short group)."""

    def __init__(self, code: str, *, group: str | None = None, needed: int = 0, found: int = 0) -> None:
        self.code = code
        self.group = group
        self.needed = needed
        self.found = found
        super().__init__(f"{code}: group={group!r} needed={needed} found={found}")


@dataclass(frozen=True)
class Candidate:
    id: str
    group: str = ""


@dataclass(frozen=True)
class Rules:
    """What a draw must respect besides the count."""

    minimums: Mapping[str, int] = field(default_factory=dict)
    maximums: Mapping[str, int] = field(default_factory=dict)
    apart: frozenset[frozenset[str]] = frozenset()


def new_seed() -> bytes:
    return secrets.token_bytes(32)


def commit(seed: bytes) -> str:
    """The published commitment of a seed: its SHA-256, hex."""
    return hashlib.sha256(seed).hexdigest()


def digest(ids: Iterable[str]) -> str:
    """The SHA-256 (hex) of a list of ids, sorted and joined by newlines: names a published list."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def key(seed: bytes, round: int, id: str) -> bytes:
    return hashlib.sha256(_PREFIX + seed + b"\x00" + str(round).encode() + b"\x00" + id.encode()).digest()


def order(seed: bytes, candidates: Iterable[Candidate], *, round: int = 0) -> list[Candidate]:
    """The candidates in the order the seed and round fix."""
    return sorted(candidates, key=lambda c: (key(seed, round, c.id), c.id))


def pairs(groups: Iterable[Iterable[str]]) -> frozenset[frozenset[str]]:
    """Every pair of ids within each given set (e.g. the members of a recent panel), for ``Rules.apart``."""
    out: set[frozenset[str]] = set()
    for members in groups:
        ids = sorted(set(members))
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                out.add(frozenset((a, b)))
    return frozenset(out)


def draw(
    *,
    seed: bytes,
    candidates: Sequence[Candidate],
    count: int,
    rules: Rules | None = None,
    round: int = 0,
    seated: Sequence[Candidate] = (),
    exclude: Iterable[str] = (),
) -> list[Candidate]:
    """Take ``count`` candidates (see the module's documentation for the algorithm)."""
    if len(seed) < 16:
        raise ValueError("the seed must have at least 16 bytes")
    if count < 0:
        raise ValueError("count must not be negative")
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("candidate ids must be unique")
    rules = rules or Rules()
    excluded = set(exclude)
    taken: list[Candidate] = []
    chosen: set[str] = {c.id for c in seated}
    per_group: dict[str, int] = {}
    for c in seated:
        per_group[c.group] = per_group.get(c.group, 0) + 1
    apart: dict[str, set[str]] = {}
    for pair in rules.apart:
        members = sorted(pair)
        if len(members) == 2:
            apart.setdefault(members[0], set()).add(members[1])
            apart.setdefault(members[1], set()).add(members[0])
    ordered = order(seed, candidates, round=round)

    def eligible(c: Candidate) -> bool:
        if c.id in excluded or c.id in chosen:
            return False
        limit = rules.maximums.get(c.group)
        if limit is not None and per_group.get(c.group, 0) >= limit:
            return False
        return not (apart.get(c.id, set()) & chosen)

    def take(c: Candidate) -> None:
        taken.append(c)
        chosen.add(c.id)
        per_group[c.group] = per_group.get(c.group, 0) + 1

    for group in sorted(rules.minimums):
        need = rules.minimums[group] - per_group.get(group, 0)
        for c in ordered:
            if need <= 0 or len(taken) >= count:
                break
            if c.group == group and eligible(c):
                take(c)
                need -= 1
        if need > 0:
            raise DrawError(
                "too_few_candidates", group=group, needed=rules.minimums[group], found=per_group.get(group, 0)
            )
    for c in ordered:
        if len(taken) >= count:
            break
        if eligible(c):
            take(c)
    if len(taken) < count:
        raise DrawError("too_few_candidates", needed=count, found=len(taken))
    return taken
