"""The one text check: what it refuses and what it lets through."""

from __future__ import annotations

import pytest

from tongban.core.text import MAX_JSON_DEPTH, TextRefused, check_json, clean_text, text_problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\x00b", "nul"),
        ("a\x01b", "control"),
        ("\x1b[31m", "control"),
        ("x\x7f", "control"),
        ("\ud800", "surrogate"),
        ("a\udfffb", "surrogate"),
    ],
)
def test_refused_characters_are_named(value: str, problem: str) -> None:
    # when a text with the character is checked, then it is refused with the problem named
    assert text_problem(value) == problem
    with pytest.raises(TextRefused) as err:
        clean_text(value, field="name")
    assert err.value.code == "invalid_text" and err.value.details == {"field": "name", "problem": problem}


def test_ordinary_text_passes_unchanged() -> None:
    # given Chinese, emoji (a surrogate pair in UTF-16, one code point here), tabs and new lines
    value = "张三\t北京市东城区\r\n😀 «ok»"
    # then it passes as it is
    assert text_problem(value) is None
    assert clean_text(value) == value


def test_length_is_bounded() -> None:
    with pytest.raises(TextRefused) as err:
        clean_text("字" * 11, max_length=10, field="note")
    assert err.value.code == "text_too_long" and err.value.field == "note"


def test_json_keys_and_values_are_checked_with_their_path() -> None:
    # given a nested value with a lone surrogate deep inside
    value = {"form": {"rows": [{"name": "ok"}, {"name": "bad\ud83d"}]}}
    # then the refusal names where it was
    with pytest.raises(TextRefused) as err:
        check_json(value, field="form_data")
    assert err.value.field == "form_data.form.rows[1].name"
    with pytest.raises(TextRefused):
        check_json({"ke\x00y": 1})


def test_json_depth_size_and_count_are_bounded_without_recursion() -> None:
    # given a list nested far deeper than Python's recursion limit
    deep: list[object] = []
    node = deep
    for _ in range(50_000):
        child: list[object] = []
        node.append(child)
        node = child
    # then it is refused as too deep, not with a RecursionError
    with pytest.raises(TextRefused) as err:
        check_json(deep)
    assert err.value.code == "json_too_deep"
    # and a value just within the depth passes
    ok: object = "x"
    for _ in range(MAX_JSON_DEPTH):
        ok = [ok]
    assert check_json(ok) == ok
    with pytest.raises(TextRefused) as big:
        check_json({"a": "x" * 2000}, max_bytes=1000)
    assert big.value.code == "json_too_large"
    with pytest.raises(TextRefused) as many:
        check_json(list(range(100)), max_items=50)
    assert many.value.code == "json_too_large"
