from __future__ import annotations

import datetime as dt

import pytest

from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import (
    is_valid_resident_id,
    is_valid_uscc,
    make_resident_id,
    make_uscc,
    validate_resident_id,
    validate_uscc,
)


def test_published_example_id_numbers_are_valid() -> None:
    # given numbers whose check digits were computed by GB 11643's published algorithm
    assert is_valid_resident_id("11010519491231002X")
    assert is_valid_resident_id("440524188001010014")


def test_a_changed_digit_breaks_the_check_digit() -> None:
    assert not is_valid_resident_id("110105194912310021")
    assert not is_valid_resident_id("11010519491331002X")  # month 13
    assert not is_valid_resident_id("1101051949123100")


def test_validate_resident_id_raises_a_stable_code() -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_resident_id("123")
    assert exc.value.code == "invalid_id_number"
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


def test_generated_id_numbers_are_valid() -> None:
    for n in range(50):
        assert is_valid_resident_id(make_resident_id("120101", dt.date(1990, 1, 1) + dt.timedelta(days=n), n))


def test_published_uscc_examples() -> None:
    # given codes published by enterprises on their business licences
    assert is_valid_uscc("91350100M000100Y43")
    assert is_valid_uscc("91110000802100433B")
    assert not is_valid_uscc("91110000802100433C")
    assert not is_valid_uscc("91110000802100433")


def test_validate_uscc_raises_a_stable_code() -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_uscc("9111000080210043IO")
    assert exc.value.code == "invalid_uscc"
    for n in range(50):
        assert is_valid_uscc(make_uscc("120000", n * 7919))
