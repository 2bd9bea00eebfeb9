"""Demo opportunities: a small pipeline across every status, tied to the demo leads."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.leads.models import Lead

from .models import Opportunity
from .services import opportunity_change_status, opportunity_create

# name, lead (by company name), source, value (KRW), days until expected close, notes, status path
# fmt: off
OPPORTUNITIES = [
    ("대우캐리어 네이버 검색광고 연간 운영", "(주)대우캐리어판매", "campaign", 30_000_000, 40,
     "여름 성수기 전 에어컨 키워드 확대 희망", ["qualified", "proposal", "negotiation"]),
    ("넥스파시스템 B2B 리드 발굴 캠페인", "주식회사 넥스파시스템", "website", 12_000_000, 25,
     "홈페이지 문의: 주차관제 솔루션 도입 고객 발굴", ["qualified"]),
    ("리퓨어헬스케어 임산부 유산균 SNS 패키지", "(주)리퓨어헬스케어", "campaign", 4_500_000, 10,
     "쿠팡 상세페이지 리뉴얼과 묶어 제안", ["qualified", "proposal", "won"]),
    ("온누리뷰티 유튜브 인플루언서 협찬", "주식회사 온누리뷰티", "referral", 15_000_000, 60,
     "한빛애드 소개", []),
    ("코리아공조 카카오 비즈보드 광고", "(주)코리아공조", "campaign", 8_400_000, -5,
     "예산 동결로 보류", ["qualified", "lost"]),
    ("수원물류 채용 브랜딩 광고", "주식회사 수원물류", "website", None, 90, "견적 산정 전", []),
]
# fmt: on


def seed(ctx) -> None:
    today = timezone.localdate()
    leads = {lead.name: lead for lead in Lead.objects.filter(user=ctx.user)}
    created = 0
    for name, lead_name, source, value, close_in_days, notes, path in OPPORTUNITIES:
        fields = {
            "source": source,
            "value": Decimal(value) if value is not None else None,
            "expected_close_date": today + datetime.timedelta(days=close_in_days),
            "notes": notes,
            "lead": leads.get(lead_name),
        }
        if Opportunity.objects.filter(user=ctx.user, name=name).exists():
            continue  # seeded before, with its status history; whatever the user changed stays
        opportunity = opportunity_create(user=ctx.user, name=name, **fields)
        for status in path:
            opportunity = opportunity_change_status(
                opportunity=opportunity, status=status, user=ctx.user, note=f"데모: {status} 단계로 이동"
            )
        created += 1
    ctx.say(f"opportunities: {len(OPPORTUNITIES)} ({created} new)")
