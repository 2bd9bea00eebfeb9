"""Out-of-office replies: recognised by their headers (Auto-Submitted, X-Autoreply, Precedence: the
inbound parse's ``is_auto_reply``) or by the usual subjects in Korean and English, and the return
date they state, when they state one."""

from __future__ import annotations

import re
from datetime import date, timedelta

_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto[- ]?reply|autoreply|away from (the )?office|on vacation|on leave"
    r"|부재\s*중|부재|자동\s*(응답|회신|답장)|휴가",
    re.IGNORECASE,
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"\b(20\d{2})[-./]\s?(\d{1,2})[-./]\s?(\d{1,2})")
_KOREAN = re.compile(r"(?:(20\d{2})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_ENGLISH = re.compile(
    r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\b"
)
# A stated date further away than this is not a return date (a signature's founding year, a typo).
MAX_AWAY = timedelta(days=120)


def is_out_of_office(*, subject: str, is_auto_reply: bool) -> bool:
    return is_auto_reply or bool(_SUBJECT.search(subject or ""))


def _dated(year: int | None, month: int, day: int, received: date) -> date | None:
    try:
        found = date(year or received.year, month, day)
    except ValueError:
        return None
    if year is None and found < received:
        try:
            found = date(received.year + 1, month, day)
        except ValueError:
            return None
    return found if received <= found <= received + MAX_AWAY else None


def return_date(text: str, *, received: date) -> date | None:
    """The first date in ``text`` on or after ``received`` (and within MAX_AWAY): 2026-12-15,
    2026.12.15, 12월 15일, December 15, 15 Dec. None when there is none."""
    candidates: list[tuple[int, date]] = []
    for match in _ISO.finditer(text):
        found = _dated(int(match[1]), int(match[2]), int(match[3]), received)
        if found:
            candidates.append((match.start(), found))
    for match in _KOREAN.finditer(text):
        found = _dated(int(match[1]) if match[1] else None, int(match[2]), int(match[3]), received)
        if found:
            candidates.append((match.start(), found))
    for match in _ENGLISH.finditer(text):
        name, number = (match[1], match[2]) if match[1] else (match[4], match[3])
        month = _MONTHS.get(name.lower())
        if month:
            found = _dated(None, month, int(number), received)
            if found:
                candidates.append((match.start(), found))
    return min(candidates)[1] if candidates else None
