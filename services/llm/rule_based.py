"""The default personalisation: a sentence built from the lead's industry, goods and keywords.

Deterministic (the same lead gives the same text), instant and free, so campaigns of 100,000 leads
personalise without an outside call.
"""

from __future__ import annotations

from .base import LeadProfile, PersonalizationBackend


def rule_based_text(lead: LeadProfile) -> str:
    company = lead.name or "귀사"
    goods = [g for g in lead.goods if g][:2]
    keywords = [k for k in lead.keywords if k][:3]
    if goods:
        opening = f"{company}에서 판매 중인 {', '.join(goods)} 상품을 살펴보던 중 연락드리게 되었습니다."
    elif lead.industry:
        opening = f"{lead.industry} 분야에서 활동하시는 {company}의 성장 사례를 보고 연락드리게 되었습니다."
    else:
        opening = f"{company}의 사업을 살펴보던 중 연락드리게 되었습니다."
    if keywords:
        focus = f" 특히 {', '.join(keywords)} 관련 고객을 늘리는 데 도움을 드릴 수 있습니다."
    elif lead.si_nm:
        focus = f" {lead.si_nm} 지역 고객에게 더 많이 알려질 수 있도록 도와드리겠습니다."
    else:
        focus = " 온라인 광고로 더 많은 고객을 만나실 수 있도록 도와드리겠습니다."
    return opening + focus


class RuleBasedBackend(PersonalizationBackend):
    def generate(self, leads: list[LeadProfile], *, campaign_id: str = "", sender: str = "") -> list[str]:
        return [rule_based_text(lead) for lead in leads]
