"""The campaign admin shows the API's totals: changelist columns linking to the rows they count, a
change page with every total, the rates and a per-day SVG chart, and a resend-unknown action that
asks first."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import CampaignLeadResult

from .factories import CampaignFactory, unknown_rows
from .test_campaign_totals import _machine_open, _row

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status
CHANGELIST = "/admin/campaigns/campaign/"
RESULTS = "/admin/campaigns/campaignleadresult/"
SENT = {"status": R.SENT, "sent": True, "sent_at": datetime(2026, 3, 2, 1, 0, tzinfo=UTC)}


@pytest.fixture(autouse=True)
def english(settings):
    """The labels are asserted in the source language (the Korean catalogue translates them)."""
    settings.LANGUAGE_CODE = "en-us"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def campaign(user):
    """4 sent (1 opened by a person and then clicked, so its status is "clicked"; 1 opened only by a
    machine), 1 failed."""
    campaign = CampaignFactory(user=user, name="봄 캠페인", status="completed")
    at = SENT["sent_at"]
    _row(campaign, **{**SENT, "status": R.CLICKED, "opened_at": at, "clicked_at": at})
    _machine_open(_row(campaign, **SENT))
    _row(campaign, **SENT)
    _row(campaign, **{**SENT, "sent_at": datetime(2026, 3, 4, 1, 0, tzinfo=UTC)})
    _row(campaign, status=R.FAILED, error_message="no address")
    return campaign


def _link(page: str, text: str) -> str:
    """The href of the <a> whose text is ``text``."""
    match = re.search(r'<a href="([^"]+)">' + re.escape(text) + "</a>", page)
    assert match, f"no link {text!r}"
    return match.group(1).replace("&amp;", "&")


def _listed_emails(staff_client, url: str) -> set[str]:
    page = staff_client.get(url)
    assert page.status_code == 200
    return {row.email for row in page.context["cl"].result_list}


def test_changelist_columns_link_to_the_rows_they_count(staff_client, campaign):
    page = staff_client.get(CHANGELIST).content.decode()

    # Sent 4; opened and clicked 1 of 4 each (the machine's open is not a person's).
    assert page.count(">1 (25.0%)</a>") == 2
    opened_rows = _listed_emails(staff_client, _link(page, "1 (25.0%)"))
    assert opened_rows == {campaign.results.get(status=R.CLICKED).email}
    # "opened" lists the row that went on to be clicked: the count and the list agree.
    sent_rows = _listed_emails(staff_client, _link(page, "4"))
    assert sent_rows == set(campaign.results.exclude(status=R.FAILED).values_list("email", flat=True))
    assert len(_listed_emails(staff_client, _link(page, "5"))) == 5  # recipients


def test_changelist_queries_do_not_grow_with_campaigns(staff_client, user, campaign):
    with CaptureQueriesContext(connection) as one:
        assert staff_client.get(CHANGELIST).status_code == 200
    for _ in range(5):
        other = CampaignFactory(user=user, status="completed")
        _row(other, **SENT)
    with CaptureQueriesContext(connection) as six:
        page = staff_client.get(CHANGELIST)
    assert len(page.context["cl"].result_list) == 6
    assert len(six) == len(one)


def test_change_page_shows_totals_rates_links_and_a_daily_chart(staff_client, campaign):
    page = staff_client.get(f"{CHANGELIST}{campaign.pk}/change/").content.decode()

    table = page[page.index('<table class="campaign-totals">') :]
    table = table[: table.index("</table>")]
    assert "Opened by machines only" in table
    machine_link = re.search(r'Opened by machines only</th><td><a href="([^"]+)">1</a>', table)[1]
    machine_rows = _listed_emails(staff_client, machine_link.replace("&amp;", "&"))
    assert len(machine_rows) == 1 and machine_rows <= set(campaign.results.values_list("email", flat=True))
    assert "25.0%" in table  # open rate
    start = page.index('class="campaign-daily-chart"')
    svg = page[start : page.index("</svg>", start)]
    # 2 March, 3 March (nothing) and 4 March, Seoul days; the bars carry their numbers.
    assert ">03-02<" in svg and ">03-04<" in svg
    assert "2026-03-02 Sent: 3" in svg and "2026-03-03 Sent: 0" in svg and "2026-03-04 Sent: 1" in svg
    assert "<script" not in svg


def test_change_page_of_a_campaign_with_nothing_sent(staff_client, user):
    draft = CampaignFactory(user=user)
    page = staff_client.get(f"{CHANGELIST}{draft.pk}/change/").content.decode()
    assert "Nothing sent yet." in page and "campaign-daily-chart" not in page


def test_results_delivery_filter_rejects_nothing_and_filters_by_total(staff_client, campaign):
    failed = _listed_emails(staff_client, f"{RESULTS}?campaign__id__exact={campaign.pk}&delivery=failed")
    assert failed == {campaign.results.get(status=R.FAILED).email}


def test_resend_unknown_asks_first_with_the_duplicate_warning(staff_client, user, campaign):
    unknown_rows(campaign, 2)
    form = {"action": "resend_unknown", "_selected_action": [str(campaign.pk)]}

    page = staff_client.post(CHANGELIST, form).content.decode()

    assert "second copy" in page and "봄 캠페인: 2 e-mails whose outcome is unknown" in page
    assert campaign.results.filter(status=R.UNKNOWN).count() == 2  # nothing re-sent yet

    response = staff_client.post(CHANGELIST, {**form, "confirm": "yes"}, follow=True)
    assert "Re-sending the &#x27;outcome unknown&#x27; e-mails of 1 campaign(s)." in response.content.decode()
    assert campaign.results.filter(status=R.UNKNOWN).count() == 0
    assert campaign.results.filter(status=R.PENDING).count() == 2
