"""PESEL, NIP, REGON and KRS: what is accepted, how it is normalised, and what each wrong
number is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.identifiers import validate_krs, validate_nip, validate_pesel, validate_regon


def error_of(validator, value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


@pytest.mark.parametrize("value", ["44051401359", "02070803628", "85121612343", " 4405 1401 359 "])
def test_valid_pesel_is_returned_compact(value: str) -> None:
    assert validate_pesel(value) == value.replace(" ", "")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("44051401358", "invalid_checksum"),  # last digit changed
        ("44051401395", "invalid_checksum"),  # two digits swapped
        ("4405140135", "invalid_length"),
        ("440514013590", "invalid_length"),
        ("4405140135X", "invalid_format"),
        ("44053201353", "invalid_component"),  # correct check digit, 32 May
    ],
)
def test_invalid_pesel(value: str, code: str) -> None:
    assert error_of(validate_pesel, value).code == code


def test_pesel_checksum_message_names_the_problem() -> None:
    with translation.override("en"):
        assert error_of(validate_pesel, "44051401358").messages == [
            "This PESEL has a wrong check digit: please check it for a typing error."
        ]
    with translation.override("pl"):
        assert error_of(validate_pesel, "44051401358").messages == [
            "Ten numer PESEL ma błędną cyfrę kontrolną: sprawdź, czy nie ma w nim literówki."
        ]


@pytest.mark.parametrize(
    ("value", "compact"),
    [
        ("7792433527", "7792433527"),
        ("779-243-35-27", "7792433527"),
        ("PL 779 243 35 27", "7792433527"),
        ("pl7792433527", "7792433527"),
        ("5260250274", "5260250274"),
    ],
)
def test_valid_nip(value: str, compact: str) -> None:
    assert validate_nip(value) == compact


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("7792433528", "invalid_checksum"),
        ("1234563219", "invalid_checksum"),
        ("779243352", "invalid_length"),
        ("77924335270", "invalid_length"),
        ("779243352A", "invalid_format"),
    ],
)
def test_invalid_nip(value: str, code: str) -> None:
    assert error_of(validate_nip, value).code == code


def test_nip_length_message() -> None:
    with translation.override("en"):
        assert error_of(validate_nip, "779243352").messages == ["NIP must have 10 digits."]


@pytest.mark.parametrize("value", ["192598184", "123456785", "12345678512347"])
def test_valid_regon(value: str) -> None:
    assert validate_regon(value) == value


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("192598185", "invalid_checksum"),
        ("12345678512348", "invalid_checksum"),
        ("1925981840", "invalid_length"),
        ("19259818", "invalid_length"),
        ("19259818X", "invalid_format"),
    ],
)
def test_invalid_regon(value: str, code: str) -> None:
    assert error_of(validate_regon, value).code == code


def test_regon_length_message_names_both_lengths() -> None:
    with translation.override("pl"):
        assert error_of(validate_regon, "1925981840").messages == ["REGON musi mieć 9 lub 14 cyfr."]


@pytest.mark.parametrize(
    ("value", "compact"),
    [("0000123456", "0000123456"), ("123456", "0000123456"), (" 0000 123 456 ", "0000123456")],
)
def test_valid_krs_is_padded_to_ten_digits(value: str, compact: str) -> None:
    assert validate_krs(value) == compact


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("00001234567", "invalid_length"),
        ("0000000000", "invalid_length"),
        ("KRS123456", "invalid_format"),
        ("", "invalid_format"),
    ],
)
def test_invalid_krs(value: str, code: str) -> None:
    assert error_of(validate_krs, value).code == code
