"""GET /api/campaigns/{id}/report/ and its CSV/XLSX export: people's opens and clicks only (machine
opens apart), the most clicked links without link scanners, bounces by the provider's reason, replies."""

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from apps.campaigns.models import CampaignLeadResult
from apps.tracking.models import TrackingEvent

from .factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status
K = TrackingEvent.Kind
AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 3 March in Seoul
SENT = {"status": R.SENT, "sent": True, "sent_at": AT}


def _row(campaign, **fields):
    lead = LeadFactory(user=campaign.user)
    return CampaignLeadResult.objects.create(campaign=campaign, lead=lead, email=lead.email, **fields)


def _event(row, kind, *, url="", machine=False, detail=""):
    TrackingEvent.objects.create(
        result=row,
        campaign=row.campaign,
        kind=kind,
        occurred_at=AT,
        source=TrackingEvent.Source.REDIRECT if kind == K.CLICK else TrackingEvent.Source.SENDGRID,
        url=url,
        is_machine=machine,
        detail=detail,
        event_key=str(uuid.uuid4()),
    )


@pytest.fixture
def campaign(user):
    """5 sent: two people clicked the price page (one of them twice, and replied), one clicked the
    brochure; a scanner fetched the brochure from a fourth; Apple's proxy opened the fourth; two
    bounced, one for a full mailbox (the provider's words), one with only our error message."""
    campaign = CampaignFactory(user=user, status="completed", completed_at=AT)
    price, brochure = "https://salesone.kr/price", "https://salesone.kr/brochure"
    first = _row(campaign, **{**SENT, "status": R.REPLIED, "opened_at": AT, "clicked_at": AT, "replied_at": AT})
    _event(first, K.CLICK, url=price)
    _event(first, K.CLICK, url=price)
    second = _row(campaign, **{**SENT, "status": R.CLICKED, "opened_at": AT, "clicked_at": AT})
    _event(second, K.CLICK, url=price)
    _event(second, K.CLICK, url=brochure)
    scanned = _row(campaign, **SENT)
    _event(scanned, K.CLICK, url=brochure, machine=True)
    _event(scanned, K.OPEN, machine=True)
    full = _row(campaign, **{**SENT, "status": R.BOUNCED, "bounced_at": AT})
    _event(full, K.BOUNCE, detail="552 5.2.2 Mailbox full")
    _row(campaign, **{**SENT, "status": R.BOUNCED, "bounced_at": AT, "error_message": "550 no such user"})
    return campaign


def test_report_counts_people_and_shows_machines_apart(auth_client, campaign):
    body = auth_client.get(f"/api/campaigns/{campaign.pk}/report/").json()

    assert body["campaign"]["name"] == campaign.name
    assert body["totals"]["sent"] == 5
    assert body["totals"]["opened"] == 2
    assert body["totals"]["machine_opened"] == 1
    assert body["rates"]["open_rate"] == 0.4
    assert body["rates"]["click_rate"] == 0.4
    assert body["top_links"] == [
        {"url": "https://salesone.kr/price", "recipients": 2, "clicks": 3},
        {"url": "https://salesone.kr/brochure", "recipients": 1, "clicks": 1},  # the scanner's click left out
    ]
    assert body["replies"]["count"] == 1
    assert body["replies"]["recent"] == [
        {"email": campaign.results.get(status=R.REPLIED).email, "replied_at": "2026-03-02T23:30:00.000000Z"}
    ]
    assert body["bounces_by_reason"] == [
        {"reason": "550 no such user", "count": 1},
        {"reason": "552 5.2.2 Mailbox full", "count": 1},
    ]
    assert body["daily"][0]["date"] == "2026-03-03"


def test_another_users_report_is_404(other_client, campaign):
    assert other_client.get(f"/api/campaigns/{campaign.pk}/report/").status_code == 404
    assert other_client.get(f"/api/campaigns/{campaign.pk}/report/export/?file_format=csv").status_code == 404


def test_unknown_parameter_and_format_are_400(auth_client, campaign):
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/report/export/?file_format=csv&period=week")
    assert response.status_code == 400
    assert "period" in response.json()["fields"]
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/report/export/?file_format=pdf")
    assert response.status_code == 400
    assert "file_format" in response.json()["fields"]


def test_csv_export_in_korean_with_links_and_bounces(auth_client, campaign):
    campaign.results.filter(status=R.BOUNCED, error_message="550 no such user").update(error_message="=HYPERLINK(1)")

    response = auth_client.get(f"/api/campaigns/{campaign.pk}/report/export/?file_format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["https://salesone.kr/price", "2", "3"] in rows
    assert ["'=HYPERLINK(1)", "1"] in rows  # an outside text never runs as a formula in Excel
    assert ["수신자", "5"] in rows  # the labels in Korean


def test_xlsx_export_has_a_sheet_per_part(auth_client, campaign):
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/report/export/?file_format=xlsx")

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 5
    links = list(book[book.sheetnames[1]].values)
    assert links[1] == ("https://salesone.kr/price", 2, 3)
