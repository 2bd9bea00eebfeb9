"""The check digits the generator relies on, against the numbers SPEC.md and the issue name."""

import pytest

from apps.salesone_leads.generator import business_number_for, corporation_number_for
from common.korean_ids import is_valid_business_number, is_valid_corporation_number


@pytest.mark.parametrize("number", ["2068188409", "1188120723", "206-81-88409"])
def test_known_valid_business_numbers(number):
    assert is_valid_business_number(number)


@pytest.mark.parametrize("number", ["1234567890", "2068188408", "206818840", "abcdefghij"])
def test_invalid_business_numbers(number):
    assert not is_valid_business_number(number)


def test_known_corporation_number():
    assert is_valid_corporation_number("1101112955908")
    assert is_valid_corporation_number("110111-2955908")
    assert not is_valid_corporation_number("1101112955907")


def test_generated_numbers_are_valid():
    for index in (0, 1, 13, 14, 999_999, 1_234_567):
        assert is_valid_corporation_number(corporation_number_for(index))
        assert is_valid_business_number(business_number_for(index))
