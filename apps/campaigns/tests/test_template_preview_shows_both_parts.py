"""The template preview shows the message as sent: the complete HTML document and the text part."""

import pytest

from .factories import CampaignTemplateFactory

pytestmark = pytest.mark.django_db


def test_preview_shows_the_complete_document_and_the_text_part(auth_client, user):
    template = CampaignTemplateFactory(
        user=user,
        title="{{ company.owner }} 대표님께",
        body='<style>b { color: red }</style><p><b>{{ company.name }}</b> <a href="https://salesone.kr">소개</a></p>',
    )
    response = auth_client.post(f"/api/campaign-templates/{template.pk}/preview/", {}, format="json")

    assert response.status_code == 200, response.data
    html, text = response.data["html"], response.data["text"]
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ko">' in html and '<meta charset="utf-8">' in html
    assert '<b style="color: red;">주식회사 샘플컴퍼니</b>' in html
    assert text.startswith("주식회사 샘플컴퍼니 소개 (https://salesone.kr)\n")
    assert "본 메일은 광고성 정보입니다." in text
    assert "수신거부 (" in text
