"""The sending calendar (window, weekends, Korean holidays, business days) and out-of-office reading."""

import datetime
import zoneinfo

from apps.sequences.calendar import SendingCalendar
from apps.sequences.out_of_office import is_out_of_office, return_date
from apps.sequences.selectors import two_proportion_p_value

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
CALENDAR = SendingCalendar(
    timezone=SEOUL, start=datetime.time(9), end=datetime.time(18), days=frozenset(range(5)), skip_holidays=True
)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SEOUL)


def test_window_skips_nights_weekends_and_holidays():
    assert CALENDAR.is_open(at(2026, 12, 24, 9, 0))
    assert not CALENDAR.is_open(at(2026, 12, 24, 18, 0))
    assert not CALENDAR.is_open(at(2026, 12, 25, 10, 0))  # 기독탄신일
    assert CALENDAR.next_open(at(2026, 12, 24, 18, 30)) == at(2026, 12, 28, 9, 0)  # past Christmas and the weekend
    assert CALENDAR.next_open(at(2026, 12, 24, 7, 0)) == at(2026, 12, 24, 9, 0)


def test_business_days_count_only_sending_days():
    assert CALENDAR.add_business_days(at(2026, 12, 23, 15, 0), 2) == at(2026, 12, 28, 9, 0)
    assert CALENDAR.add_business_days(at(2026, 12, 23, 15, 0), 0) == at(2026, 12, 23, 15, 0)


def test_out_of_office_by_header_or_subject():
    assert is_out_of_office(subject="Re: 제안", is_auto_reply=True)
    assert is_out_of_office(subject="[부재중] 홍길동", is_auto_reply=False)
    assert is_out_of_office(subject="Automatic reply: proposal", is_auto_reply=False)
    assert not is_out_of_office(subject="Re: 제안 관련 문의", is_auto_reply=False)


def test_return_dates_in_korean_and_english():
    received = datetime.date(2026, 12, 20)
    assert return_date("12월 28일까지 휴가입니다", received=received) == datetime.date(2026, 12, 28)
    assert return_date("I am back on January 5.", received=received) == datetime.date(2027, 1, 5)
    assert return_date("복귀: 2027.01.04", received=received) == datetime.date(2027, 1, 4)
    assert return_date("Founded 2001-05-01. Away.", received=received) is None
    assert return_date("잠시 자리를 비웁니다", received=received) is None


def test_two_proportion_test():
    assert two_proportion_p_value(50, 100, 50, 100) == 1.0
    assert two_proportion_p_value(30, 100, 10, 100) < 0.01
    assert two_proportion_p_value(1, 0, 1, 10) is None
