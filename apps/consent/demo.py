"""Demo data: the demo user's leads have consent on record (an opt-in form), so the demo's
advertising campaign sends; the ledger shows one of each basis besides."""

import datetime as dt

from django.utils import timezone

from apps.leads.models import Lead

from .models import ConsentEvent
from .services import consent_grant_bulk


def seed(ctx) -> None:
    if ConsentEvent.objects.filter(user=ctx.user).exists():
        return
    emails = list(Lead.objects.filter(user=ctx.user).exclude(email="").values_list("email", flat=True))
    written = consent_grant_bulk(
        user=ctx.user,
        emails=emails,
        basis=ConsentEvent.Basis.OPT_IN_FORM,
        source="데모: 뉴스레터 신청 폼",
        evidence_text="데모 데이터 (seed_demo): 홈페이지 뉴스레터 신청 폼의 수신동의 체크",
    )
    ConsentEvent.objects.create(
        user=ctx.user,
        email="buyer@customer.example",
        kind=ConsentEvent.Kind.GRANTED,
        basis=ConsentEvent.Basis.EXISTING_CUSTOMER,
        source="데모: 거래 고객",
        deal_date=timezone.localdate() - dt.timedelta(days=30),
        occurred_at=timezone.now(),
    )
    ctx.say(f"consent: {written} opt-ins recorded for the demo leads")
