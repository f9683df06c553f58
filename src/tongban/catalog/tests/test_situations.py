"""情形引导: which materials a guide shows for the answers given (pure functions, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tongban.catalog.situations import clean_answers, guide, parse_condition, parse_questions

SITUATIONS: list[dict[str, Any]] = [
    {
        "code": "reason",
        "question": "提取原因是什么？",
        "options": [{"code": "retire", "label": "离休、退休"}, {"code": "purchase", "label": "购买自住住房"}],
    },
    {
        "code": "agent",
        "question": "是否委托他人办理？",
        "options": [{"code": "no", "label": "本人办理"}, {"code": "yes", "label": "委托代理人办理"}],
    },
]


@dataclass(frozen=True)
class Mat:
    name: str
    applies_when: list[str] = field(default_factory=list)


ID = Mat("身份证")
RETIRE = Mat("退休证明", ["reason=retire"])
CONTRACT = Mat("购房合同", ["reason=purchase"])
PROXY = Mat("授权委托书", ["agent=yes"])
EITHER = Mat("收入证明", ["reason=retire", "reason:purchase"])
BOTH = Mat("代理人退休证明", ["reason=retire", "agent=yes"])
ALL = [ID, RETIRE, CONTRACT, PROXY, EITHER, BOTH]


def names(result: Any) -> list[str]:
    return [m.material.name for m in result.shown]


def test_without_answers_every_material_is_shown_and_conditional_ones_are_pending() -> None:
    # given no answers
    # when the guide matches
    result = guide(ALL, SITUATIONS, {})
    # then nothing is hidden; only the unconditional material is not pending
    assert names(result) == [m.name for m in ALL]
    assert result.hidden == []
    assert [m.pending for m in result.shown] == [False, True, True, True, True, True]
    assert result.answered_all is False


def test_an_answer_hides_the_materials_of_the_other_options() -> None:
    # given the applicant retires and applies in person
    result = guide(ALL, SITUATIONS, {"reason": "retire", "agent": "no"})
    # then the contract, the proxy's papers and the proxy-only material are hidden
    assert names(result) == ["身份证", "退休证明", "收入证明"]
    assert result.hidden == [CONTRACT, PROXY, BOTH]
    assert all(not m.pending for m in result.shown)
    assert result.answered_all is True


def test_options_of_one_question_are_alternatives() -> None:
    # given a material needed for either reason (written once with "=", once with ":")
    for reason in ("retire", "purchase"):
        # when either reason is answered
        result = guide([EITHER], SITUATIONS, {"reason": reason})
        # then it is needed
        assert names(result) == ["收入证明"]


def test_conditions_on_different_questions_must_all_hold() -> None:
    # given a material needed only by a proxy of a retiree
    assert names(guide([BOTH], SITUATIONS, {"reason": "retire", "agent": "yes"})) == ["代理人退休证明"]
    assert names(guide([BOTH], SITUATIONS, {"reason": "purchase", "agent": "yes"})) == []
    # when only one question is answered and it holds, the material is still pending on the other
    partial = guide([BOTH], SITUATIONS, {"reason": "retire"})
    assert names(partial) == ["代理人退休证明"]
    assert partial.shown[0].pending is True


def test_conditions_are_described_with_the_question_and_option_labels() -> None:
    result = guide([BOTH], SITUATIONS, {})
    conditions = result.shown[0].conditions
    assert [(c.question, c.options) for c in conditions] == [
        ("提取原因是什么？", ("离休、退休",)),
        ("是否委托他人办理？", ("委托代理人办理",)),
    ]


def test_unknown_answers_are_reported_and_ignored() -> None:
    # given an answer that is not an option and a question that does not exist
    result = guide(ALL, SITUATIONS, {"reason": "lottery", "colour": "red", "agent": ""})
    # then the bad answer is listed, nothing is filtered by it, and empty means unanswered
    assert result.invalid == ["reason"]
    assert result.answers == {}
    assert result.hidden == []


def test_malformed_situations_and_conditions_are_skipped() -> None:
    questions = parse_questions(
        [
            {"code": "", "question": "no code", "options": [{"code": "a", "label": "A"}]},
            {"code": "empty", "question": "no options", "options": []},
            {
                "code": "ok",
                "question": "好的",
                "options": [{"code": "", "label": "blank"}, {"code": "y", "label": "是"}],
            },
        ]
    )
    assert [(q.code, [o.code for o in q.options]) for q in questions] == [("ok", ["y"])]
    assert parse_condition("agent=yes") == ("agent", "yes")
    assert parse_condition("agent:yes") == ("agent", "yes")
    assert parse_condition("agent") is None
    assert parse_condition("=yes") is None
    # a material whose applies_when has only unreadable entries is unconditional
    result = guide([Mat("x", ["nonsense"])], SITUATIONS, {"reason": "retire"})
    assert names(result) == ["x"] and result.shown[0].conditional is False


def test_clean_answers_keeps_only_options_of_known_questions() -> None:
    questions = parse_questions(SITUATIONS)
    answers, invalid = clean_answers(questions, {"reason": " purchase ", "agent": "maybe", "other": "x"})
    assert answers == {"reason": "purchase"}
    assert invalid == ["agent"]
