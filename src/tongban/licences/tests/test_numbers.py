from __future__ import annotations

from tongban.licences.numbers import check_char, is_well_formed, make_number


def test_number_carries_type_region_serial_and_a_check_character() -> None:
    # given a type code, a region and a serial
    number = make_number(type_code="yyzz", region_code="120000", serial=42)
    # then the number is readable and checks
    assert number.startswith("YYZZ-120000-00000042")
    assert is_well_formed(number)
    assert check_char(number[:-1]) == number[-1]


def test_every_single_character_error_and_adjacent_swap_is_detected() -> None:
    number = make_number(type_code="hkb", region_code="110000", serial=123456)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i, c in enumerate(number):
        if c == "-":
            continue
        for other in alphabet:
            if other != c:
                assert not is_well_formed(number[:i] + other + number[i + 1 :])
    body = number.replace("-", "")
    for i in range(len(body) - 1):
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
            rebuilt = f"{swapped[:3]}-{swapped[3:9]}-{swapped[9:]}"
            assert not is_well_formed(rebuilt)


def test_malformed_numbers_are_refused() -> None:
    assert not is_well_formed("")
    assert not is_well_formed("YYZZ12000000000042K")
    assert not is_well_formed("YYZZ-12000-00000042K")
