"""Korean business identifiers: 사업자등록번호 (business number) and 법인등록번호 (corporation number).

Both carry a check digit. A failed check is reported as a flag, never a rejection (DESIGN.md:
SPEC.md's own example business number fails it).
"""

import re

_NON_DIGITS = re.compile(r"[\s-]")
_BUSINESS_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def normalize_business_number(value: str | None) -> str | None:
    """``123-45-67890`` → ``1234567890``; anything that is not 10 digits is returned unchanged."""
    if value is None:
        return None
    digits = _NON_DIGITS.sub("", value)
    return digits if len(digits) == 10 and digits.isdigit() else value


def format_business_number(value: str | None) -> str:
    """The stored 10 digits ``1234567890`` → ``123-45-67890``, the one form the API shows for leads and
    clients alike; anything else (blank, a legacy value that is not 10 digits) unchanged."""
    if value and len(value) == 10 and value.isdigit():
        return f"{value[:3]}-{value[3:5]}-{value[5:]}"
    return value or ""


def normalize_corporation_number(value: str | None) -> str | None:
    """``110111-2955908`` → ``1101112955908``; anything that is not 13 digits is returned unchanged."""
    if value is None:
        return None
    digits = _NON_DIGITS.sub("", value)
    return digits if len(digits) == 13 and digits.isdigit() else value


def business_check_digit(first_nine: str) -> int:
    """Check digit of a business number: weights 1,3,7,1,3,7,1,3,5 plus ⌊5·d₉/10⌋."""
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _BUSINESS_WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def corporation_check_digit(first_twelve: str) -> int:
    """Check digit of a corporation number: weights 1,2,1,2,… over the first twelve digits."""
    total = sum(int(c) * (1 if i % 2 == 0 else 2) for i, c in enumerate(first_twelve))
    return (10 - total % 10) % 10


def is_valid_business_number(value: str | None) -> bool:
    digits = normalize_business_number(value)
    if not digits or len(digits) != 10 or not digits.isdigit():
        return False
    return business_check_digit(digits[:9]) == int(digits[9])


def is_valid_corporation_number(value: str | None) -> bool:
    digits = normalize_corporation_number(value)
    if not digits or len(digits) != 13 or not digits.isdigit():
        return False
    return corporation_check_digit(digits[:12]) == int(digits[12])
