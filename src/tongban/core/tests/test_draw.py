"""The verifiable draw: the same seed and lists give the same result; the rules hold; failure is loud."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from tongban.core import draw as d

SEED = bytes(range(32))
POOL = [d.Candidate(f"e{i:03d}", ("110000", "120000", "130000")[i % 3]) for i in range(60)]


def test_the_same_seed_and_list_give_the_same_draw_in_any_input_order() -> None:
    # given a pool and a seed
    # when the draw is run twice, once on the reversed list
    first = d.draw(seed=SEED, candidates=POOL, count=7)
    again = d.draw(seed=SEED, candidates=list(reversed(POOL)), count=7)
    # then both are the same seven, in the same order
    assert first == again
    assert len({c.id for c in first}) == 7


def test_another_seed_or_round_gives_another_draw() -> None:
    first = [c.id for c in d.draw(seed=SEED, candidates=POOL, count=7)]
    assert first != [c.id for c in d.draw(seed=bytes(32), candidates=POOL, count=7)]
    assert first != [c.id for c in d.draw(seed=SEED, candidates=POOL, count=7, round=1)]


def test_the_order_is_the_documented_hash_order() -> None:
    # the key of a candidate is SHA-256 over the version, seed, round and id, as documented
    expected = sorted(
        POOL, key=lambda c: hashlib.sha256(b"tongban-draw/1\x00" + SEED + b"\x000\x00" + c.id.encode()).digest()
    )
    assert d.order(SEED, POOL) == expected
    assert [c.id for c in d.draw(seed=SEED, candidates=POOL, count=5)] == [c.id for c in expected[:5]]


def test_minimums_maximums_and_pairs_apart_hold() -> None:
    # given a rule of at least two experts of each region, at most three of any, and pairs kept apart
    plain = d.draw(seed=SEED, candidates=POOL, count=7)
    a, b = plain[0].id, plain[1].id
    rules = d.Rules(
        minimums={"110000": 2, "120000": 2, "130000": 2},
        maximums={"110000": 3, "120000": 3, "130000": 3},
        apart=d.pairs([[a, b]]),
    )
    # when drawing seven
    taken = d.draw(seed=SEED, candidates=POOL, count=7, rules=rules)
    # then every region has two or three, and the pair is not both taken
    counts = Counter(c.group for c in taken)
    assert all(2 <= n <= 3 for n in counts.values()) and sum(counts.values()) == 7
    assert not {a, b} <= {c.id for c in taken}


def test_a_replacement_round_keeps_the_seated_and_skips_everyone_drawn() -> None:
    # given a panel of five, one of whom declines
    panel = d.draw(seed=SEED, candidates=POOL, count=5, rules=d.Rules(minimums={"130000": 2}))
    declined = panel[2]
    seated = [c for c in panel if c != declined]
    # when one replacement is drawn in round 1
    replacement = d.draw(
        seed=SEED,
        candidates=POOL,
        count=1,
        rules=d.Rules(minimums={"130000": 2}),
        round=1,
        seated=seated,
        exclude=[c.id for c in panel],
    )
    # then it is someone new who keeps the Hebei minimum, and the same inputs give the same person
    assert replacement[0].id not in {c.id for c in panel}
    assert sum(1 for c in [*seated, *replacement] if c.group == "130000") >= 2
    assert replacement == d.draw(
        seed=SEED,
        candidates=POOL,
        count=1,
        rules=d.Rules(minimums={"130000": 2}),
        round=1,
        seated=seated,
        exclude=[c.id for c in panel],
    )


def test_too_few_candidates_is_refused_not_relaxed() -> None:
    # given only one Hebei candidate and a minimum of two
    pool = [d.Candidate("a", "110000"), d.Candidate("b", "110000"), d.Candidate("c", "130000")]
    with pytest.raises(d.DrawError) as refused:
        d.draw(seed=SEED, candidates=pool, count=3, rules=d.Rules(minimums={"130000": 2}))
    assert (refused.value.code, refused.value.group, refused.value.needed) == ("too_few_candidates", "130000", 2)
    # and asking for more than the pool holds is refused too
    with pytest.raises(d.DrawError) as short:
        d.draw(seed=SEED, candidates=pool, count=4)
    assert short.value.code == "too_few_candidates" and short.value.found == 3


def test_commitments_and_list_digests() -> None:
    seed = d.new_seed()
    assert len(seed) == 32 and d.commit(seed) == hashlib.sha256(seed).hexdigest()
    assert d.digest(["b", "a"]) == d.digest(["a", "b"]) == hashlib.sha256(b"a\nb").hexdigest()
    with pytest.raises(ValueError):
        d.draw(seed=b"short", candidates=POOL, count=1)
    with pytest.raises(ValueError):
        d.draw(seed=SEED, candidates=[d.Candidate("x"), d.Candidate("x")], count=1)
