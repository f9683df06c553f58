"""The shared expert pool and the draw: avoidance, region balance, reproducibility from the committed
seed, replacements drawn the same way, conflicts declared after the draw, too few experts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.core import draw as drawing
from tongban.trading import evaluation, pool
from tongban.trading.constants import ConflictKind, DrawStatus, ExpertAction, SeatAction, SeatStatus
from tongban.trading.errors import ExpertRecused, SharedExpertReadOnly, TooFewExperts
from tongban.trading.models import Draw, Seat
from tongban.trading.tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_draw_avoids_conflicts_balances_regions_and_is_reproducible() -> None:
    # given an opened procedure with three bidders, evaluated by 5 experts with at least one per region
    op = f.operator()
    procedure, bidders, _bids = f.opened(
        op, region_minimums={"110000": 1, "120000": 1, "130000": 1}, expert_specialties=["building", "municipal"]
    )
    experts = f.pool_of(op, per_region=4)
    # and experts who must be avoided: one works for the employer, one for a bidder, one declared a
    # conflict with a bidder, one is of another specialty, one is suspended
    employer_man = f.expert(op, employer_uscc=procedure.project.employer.uscc)
    bidder_man = f.expert(op, region="130000", employer_uscc=bidders[0].enterprise.uscc)
    declared = f.expert(op)
    pool.conflict_declare(actor=op, expert_id=declared.pk, uscc=bidders[1].enterprise.uscc, kind=ConflictKind.RELATIVE)
    f.expert(op, specialties=("law",))
    suspended = f.expert(op)
    pool.expert_set_status(actor=op, expert_id=suspended.pk, action=ExpertAction.SUSPEND)
    # when the list and the seed's hash are committed
    draw = pool.draw_commit(actor=op, procedure_id=procedure.pk)
    # then the avoided experts are published with their reasons and are not candidates
    reasons = {e["uid"]: e["reasons"] for e in draw.excluded}
    assert reasons[str(employer_man.uid)] == ["employer_relationship", "project_employer"]
    assert reasons[str(bidder_man.uid)] == ["employer_relationship"]
    assert reasons[str(declared.uid)] == ["declared_conflict"]
    candidates = {c["uid"] for c in draw.candidates}
    assert candidates == {str(e.uid) for e in experts}
    assert draw.seed_hash == drawing.commit(bytes.fromhex(draw.seed)) and not draw.seed_revealed
    # when the seed is revealed and the panel drawn
    draw = pool.draw_reveal(actor=op, draw_id=draw.pk)
    seats = list(draw.seats.select_related("expert").order_by("rank"))
    # then five experts sit, each region at least once, and anyone can re-run it from the published data
    assert len(seats) == 5 and {s.expert.origin_region_id for s in seats} == {"110000", "120000", "130000"}
    again = drawing.draw(
        seed=bytes.fromhex(draw.seed),
        candidates=[drawing.Candidate(c["uid"], c["region"]) for c in draw.candidates],
        count=5,
        rules=drawing.Rules(minimums={"110000": 1, "120000": 1, "130000": 1}),
    )
    assert [c.id for c in again] == [str(s.expert.uid) for s in seats]
    assert pool.draw_verify(draw)
    # and a tampered list no longer verifies
    draw.candidates = draw.candidates[1:]
    assert not pool.draw_verify(draw)


def test_experts_who_evaluated_together_recently_are_kept_apart() -> None:
    # given two experts who sat on a panel together last month
    op = f.operator()
    experts = f.pool_of(op, per_region=2, regions=("120000",))
    a, b = experts
    earlier, _b, _bids = f.opened(op)
    past = Draw.objects.create(
        procedure=earlier,
        algorithm=drawing.VERSION,
        candidates_digest="0" * 64,
        seed_hash="0" * 64,
        seed="00" * 32,
        committed_at=timezone.now(),
        status=DrawStatus.COMPLETE,
    )
    for rank, e in enumerate((a, b), start=1):
        Seat.objects.create(
            draw=past,
            expert=e,
            round=0,
            rank=rank,
            venue_id="120000",
            status=SeatStatus.CONFIRMED,
            answered_at=timezone.now() - dt.timedelta(days=30),
        )
    procedure, _bidders, _bids = f.opened(op, expert_count=5)
    f.pool_of(op, per_region=5, regions=("120000",))
    # when the list is committed, the pair is published as kept apart
    draw = pool.draw_commit(actor=op, procedure_id=procedure.pk)
    assert sorted([str(a.uid), str(b.uid)]) in draw.apart
    # and whatever the seed, they never sit together
    for _ in range(5):
        Draw.objects.filter(pk=draw.pk).update(seed=drawing.new_seed().hex())
        draw.refresh_from_db()
        taken = {
            c.id
            for c in drawing.draw(
                seed=bytes.fromhex(draw.seed), candidates=pool.candidates_of(draw), count=5, rules=pool.rules_of(draw)
            )
        }
        assert not {str(a.uid), str(b.uid)} <= taken


def test_too_few_eligible_experts_is_refused_and_nothing_is_stored() -> None:
    op = f.operator()
    procedure, _bidders, _bids = f.opened(op, region_minimums={"130000": 2})
    f.pool_of(op, per_region=3, regions=("110000", "120000"))
    f.expert(op, region="130000")
    with pytest.raises(TooFewExperts) as refused:
        pool.draw_commit(actor=op, procedure_id=procedure.pk)
    assert refused.value.code == "too_few_experts" and refused.value.as_dict()["details"]["regions_short"] == {
        "130000": 2
    }
    assert "专家不足" in str(refused.value.message)
    assert not Draw.objects.filter(procedure=procedure).exists()


def test_a_decline_is_replaced_in_the_next_round_and_the_draw_still_verifies() -> None:
    op = f.operator()
    procedure, _bidders, _bids = f.opened(op)
    f.pool_of(op, per_region=8, regions=("120000",))
    draw = pool.draw_reveal(actor=op, draw_id=pool.draw_commit(actor=op, procedure_id=procedure.pk).pk)
    first = draw.seats.order_by("rank").first()
    assert first is not None
    # when the first expert declines (answered by phone, recorded by the operator)
    replacements = pool.seat_answer(actor=op, seat_id=first.pk, action=SeatAction.DECLINE, reason="出差")
    # then one replacement is drawn in round 1, the same way, and the whole draw still verifies
    assert len(replacements) == 1 and replacements[0].round == 1
    draw.refresh_from_db()
    assert draw.rounds == 2 and pool.draw_verify(draw)
    # when everyone sitting confirms, the panel is complete
    for seat in draw.seats.filter(status=SeatStatus.DRAWN):
        pool.seat_answer(actor=op, seat_id=seat.pk, action=SeatAction.CONFIRM)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMPLETE


def test_a_conflict_declared_after_the_draw_recuses_the_expert_and_draws_a_replacement() -> None:
    # given a complete panel and evaluation under way
    op = f.operator()
    procedure, bidders, _bids = f.opened(op)
    f.pool_of(op, per_region=8, regions=("120000",))
    draw = pool.draw_reveal(actor=op, draw_id=pool.draw_commit(actor=op, procedure_id=procedure.pk).pk)
    for seat in draw.seats.all():
        pool.seat_answer(actor=op, seat_id=seat.pk, action=SeatAction.CONFIRM)
    evaluation.evaluation_start(actor=op, procedure_id=procedure.pk)
    first = draw.seats.select_related("expert__user").order_by("rank").first()
    assert first is not None and first.expert.user is not None
    seat = first
    expert_user = first.expert.user
    # when that expert declares that a relative works for a bidder
    outcome = pool.conflict_declare(
        actor=expert_user, expert_id=seat.expert_id, uscc=bidders[2].enterprise.uscc, kind=ConflictKind.RELATIVE
    )
    # then the seat is recused and a replacement drawn, reported as a conflict after the draw
    assert [s.pk for s in outcome.recused] == [seat.pk] and len(outcome.replacements) == 1
    seat.refresh_from_db()
    assert seat.status == SeatStatus.RECUSED and seat.reason
    # and the recused expert may no longer score
    with pytest.raises(ExpertRecused) as refused:
        evaluation.sheet_save(actor=expert_user, procedure_id=procedure.pk, scores={})
    assert refused.value.code == "expert_recused"
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and pool.draw_verify(draw)


def test_a_peers_expert_is_read_only_here() -> None:
    op = f.operator()
    copy = f.expert(op, region="110000")
    with pytest.raises(SharedExpertReadOnly):
        pool.expert_set_status(actor=op, expert_id=copy.pk, action=ExpertAction.SUSPEND)
