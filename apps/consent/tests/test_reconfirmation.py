"""The two-yearly re-confirmation (정보통신망법 제50조⑧): the beat job notifies every address whose
consent turns 2 years old within CONSENT_RECONFIRM_NOTICE_DAYS, records the notice (which starts the
next 2 years), and notifies nobody twice."""

import datetime as dt

import pytest
import time_machine

from apps.consent.models import ConsentEvent
from apps.consent.selectors import consent_refusals
from apps.consent.services import consent_grant, consent_notice, consents_reconfirm_due

pytestmark = pytest.mark.django_db
GRANTED_AT = dt.datetime(2024, 12, 20, 1, 0, tzinfo=dt.UTC)


def test_due_consent_is_notified_once_and_renewed(user, django_capture_on_commit_callbacks):
    with time_machine.travel(GRANTED_AT, tick=False):
        consent_grant(user=user, email="ceo@nexpa.co.kr", basis="opt_in_form", notify=False)
        consent_grant(user=user, email="new@nexpa.co.kr", basis="opt_in_form", notify=False)
    with time_machine.travel(GRANTED_AT + dt.timedelta(days=200), tick=False):
        consent_grant(user=user, email="new@nexpa.co.kr", basis="opt_in_form", notify=False)  # given again

    with time_machine.travel(dt.datetime(2026, 11, 25, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            assert consents_reconfirm_due() == 1
        assert consents_reconfirm_due() == 0  # the notice starts the next 2 years
    assert len(callbacks) == 1
    notice = ConsentEvent.objects.get(kind="reconfirmed")
    assert (notice.email, notice.basis) == ("ceo@nexpa.co.kr", "opt_in_form")
    subject, text = consent_notice(notice)
    assert "수신동의 여부 확인" in subject and "제50조 제8항" in text

    with time_machine.travel(dt.datetime(2027, 1, 5, tzinfo=dt.UTC), tick=False):
        # Past the first 2 years: the re-confirmed address may still be mailed.
        assert consent_refusals(user_id=user.pk, emails=["ceo@nexpa.co.kr"]) == {}


def test_withdrawn_and_customer_bases_get_no_notice(user):
    with time_machine.travel(GRANTED_AT, tick=False):
        consent_grant(user=user, email="buyer@nexpa.co.kr", basis="existing_customer", deal_date=GRANTED_AT.date())
        ConsentEvent.objects.create(user=user, email="gone@nexpa.co.kr", kind="withdrawn", occurred_at=GRANTED_AT)
    with time_machine.travel(dt.datetime(2026, 12, 25, tzinfo=dt.UTC), tick=False):
        assert consents_reconfirm_due() == 0


def test_suppressed_address_is_not_recorded_as_notified(user, django_capture_on_commit_callbacks):
    """The ledger is evidence: a re-confirmation event says a notice went out. An address that
    unsubscribed (or was erased) gets none, so none is recorded and its consent is not renewed."""
    from apps.mail.models import SuppressedAddress
    from apps.mail.suppression import suppressions_add

    with time_machine.travel(GRANTED_AT, tick=False):
        consent_grant(user=user, email="ceo@nexpa.co.kr", basis="opt_in_form", notify=False)
        consent_grant(user=user, email="cto@nexpa.co.kr", basis="opt_in_form", notify=False)
    suppressions_add([SuppressedAddress(email="cto@nexpa.co.kr", reason="unsubscribed", source="test")])

    with (
        time_machine.travel(dt.datetime(2026, 11, 25, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        assert consents_reconfirm_due() == 1
    assert len(callbacks) == 1
    assert list(ConsentEvent.objects.filter(kind="reconfirmed").values_list("email", flat=True)) == ["ceo@nexpa.co.kr"]
