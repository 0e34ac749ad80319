"""Numbers as an official document prints them: 12.096 and 62,2%, never rounded across the
threshold they are read against."""

from __future__ import annotations

import pytest

from ioc.report.numbers import count, number, parse, percent, signed


def test_thousands_take_a_dot_and_decimals_a_comma() -> None:
    assert count(12096) == "12.096"
    assert number(1234567.25, 2) == "1.234.567,25"
    assert percent(0.622) == "62,2%"


@pytest.mark.parametrize(
    ("value", "slo", "shown"),
    [
        (0.9985, 0.999, "99,85%"),  # below the SLO: not printed as the SLO itself
        (0.99949, 0.9995, "99,9%"),  # one decimal stays below 99,95%
        (0.99951, 0.9995, "99,95%"),  # "100,0%" would claim all of it
        (0.9991, 0.999, "99,9%"),  # above it: one decimal is enough
        (0.999, 0.999, "99,9%"),  # exactly on it
        (0.449996, 0.45, "44,9996%"),
    ],
)
def test_a_figure_is_never_rounded_across_its_threshold(
    value: float, slo: float, shown: str
) -> None:
    assert percent(value, slo) == shown
    assert (parse(shown) >= slo) == (value >= slo)


def test_a_change_carries_its_sign_and_a_tiny_negative_is_zero() -> None:
    assert signed(1.26) == "+1,3"
    assert signed(-2.0) == "-2,0"
    assert number(-0.04, 1) == "0,0"


@pytest.mark.parametrize("text", ["12.096", "62,2%", "+1,5", "-2,0", "0"])
def test_what_is_printed_parses_back(text: str) -> None:
    assert parse(text) == parse(text)  # parses without error


@pytest.mark.parametrize("text", ["62.2%", "12,096.5", "1.23"])
def test_numbers_in_the_english_format_do_not_parse(text: str) -> None:
    with pytest.raises(ValueError):
        parse(text)
