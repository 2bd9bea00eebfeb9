import pytest

from common.korean_ids import (
    business_check_digit,
    corporation_check_digit,
    is_valid_business_number,
    is_valid_corporation_number,
    normalize_business_number,
)


@pytest.mark.parametrize("number", ["2068188409", "1188120723", "206-81-88409"])
def test_known_business_numbers_are_valid(number):
    assert is_valid_business_number(number)


@pytest.mark.parametrize("number", ["1234567890", "123-45-67890", "12345", "abcdefghij", "", None])
def test_invalid_business_numbers(number):
    assert not is_valid_business_number(number)


def test_known_corporation_number_is_valid():
    assert is_valid_corporation_number("1101112955908")
    assert is_valid_corporation_number("110111-2955908")


def test_corporation_number_with_wrong_check_digit_is_invalid():
    assert not is_valid_corporation_number("1101112955907")
    assert not is_valid_corporation_number("110111295590")


def test_check_digits_generate_valid_numbers():
    assert is_valid_business_number("206818840" + str(business_check_digit("206818840")))
    assert is_valid_corporation_number("110111295590" + str(corporation_check_digit("110111295590")))


def test_normalize_business_number_strips_dashes():
    assert normalize_business_number("206-81-88409") == "2068188409"
