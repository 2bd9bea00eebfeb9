"""Issue 15 §2: once a provider may have a batch, no exception puts its rows back to pending.

Each fault strikes after the provider has accepted (and counted) chunk 0: an error in the settle, a
database error on the UPDATE, an answer our parsing chokes on, a `requests` error that is not
wrapped, an answer cut off mid-body. The rows become "outcome unknown" with the reason (an
unexpected error also stops the campaign with it); once it runs again, every lead has received at
most one message.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.selectors import campaign_totals
from apps.campaigns.services import campaign_start, campaigns_reconcile
from apps.campaigns.tasks import send_campaign_chunk
from testing.fake_email_providers import FakeMailgun, FakeSendGrid

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


def answering(fake_class, write_answer):
    """A fake provider that accepts and records each batch as usual, then answers with ``write_answer``
    (a raw HTTP answer) while ``broken`` is set."""

    class Fake(fake_class):
        broken = True

        def __init__(self):
            super().__init__()
            fake = self
            base = self.server.RequestHandlerClass

            class Handler(base):
                def do_POST(self):
                    if not fake.broken:
                        return super().do_POST()
                    raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    fake.handle(self.path, self.headers, raw)
                    write_answer(self)
                    self.close_connection = True

            self.server.RequestHandlerClass = Handler

    return Fake()


def _html_page(handler):
    body = b"<html><body>Queued</body></html>"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _json_list(handler):
    body = b'["Queued. Thank you."]'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _cut_off(handler):
    handler.send_response(202)
    handler.send_header("X-Message-Id", "cut-off-answer")
    handler.send_header("Content-Length", "200")
    handler.end_headers()
    handler.wfile.write(b'{"errors": [')
    handler.wfile.flush()


def _use_mailgun(settings, fake):
    settings.MAILGUN_API_BASE_URL = f"{fake.url}/v3"
    settings.MAILGUN_API_KEY = fake.api_key
    settings.MAILGUN_DOMAIN = fake.domain
    settings.EMAIL_PROVIDERS = ["mailgun"]


def _use_sendgrid(settings, fake):
    settings.SENDGRID_API_HOST = fake.url
    settings.SENDGRID_API_KEY = fake.api_key
    settings.EMAIL_PROVIDERS = ["sendgrid"]


class _Database:
    """A fault in PostgreSQL itself, lifted by ``fix()``."""

    def __init__(self, settings, create_sql, drop_sql):
        self.fake = FakeSendGrid()
        _use_sendgrid(settings, self.fake)
        self.drop_sql = drop_sql
        with connection.cursor() as cursor:
            cursor.execute(create_sql)

    def fix(self):
        with connection.cursor() as cursor:
            cursor.execute(self.drop_sql)


class _Answer:
    def __init__(self, settings, fake_class, write_answer, use):
        self.fake = answering(fake_class, write_answer)
        use(settings, self.fake)

    def fix(self):
        self.fake.broken = False


def settle_raises(settings):
    # The settle's INSERT of the provider request fails (a trigger raises), after the provider accepted.
    return _Database(
        settings,
        """
        CREATE FUNCTION test_refuse_provider_request() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'provider requests are read-only today'; END $$;
        CREATE TRIGGER test_refuse_provider_request BEFORE INSERT ON campaigns_campaignproviderrequest
        FOR EACH ROW EXECUTE FUNCTION test_refuse_provider_request();
        """,
        "DROP TRIGGER test_refuse_provider_request ON campaigns_campaignproviderrequest",
    )


def database_error_on_update(settings):
    # The settle's UPDATE of the rows fails in PostgreSQL with a check violation (IntegrityError).
    return _Database(
        settings,
        """
        CREATE FUNCTION test_refuse_sent() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'no row may be sent today' USING ERRCODE = 'check_violation'; END $$;
        CREATE TRIGGER test_refuse_sent BEFORE UPDATE ON campaigns_campaignleadresult
        FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION test_refuse_sent();
        """,
        # Not DROP TRIGGER: the test's transaction has pending trigger events on the table.
        "CREATE OR REPLACE FUNCTION test_refuse_sent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    )


def unparsable_answer(settings):
    # Mailgun answers 200 with a JSON list where our parsing expects an object (AttributeError).
    return _Answer(settings, FakeMailgun, _json_list, _use_mailgun)


def unwrapped_requests_error(settings):
    # Mailgun answers 200 with an HTML page: requests' JSONDecodeError, which the provider does not wrap.
    return _Answer(settings, FakeMailgun, _html_page, _use_mailgun)


def answer_cut_off(settings):
    # SendGrid accepts, then the connection closes in the middle of its answer.
    return _Answer(settings, FakeSendGrid, _cut_off, _use_sendgrid)


@pytest.mark.parametrize(
    ("inject", "error"),
    [
        (settle_raises, "provider requests are read-only today"),
        (database_error_on_update, "IntegrityError"),
        (unparsable_answer, "AttributeError"),
        (unwrapped_requests_error, "JSONDecodeError"),
        (answer_cut_off, "IncompleteRead"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_a_fault_after_the_provider_accepted_never_sends_twice(inject, error, user, settings, send):
    settings.CAMPAIGN_CHUNK_SIZE = 3
    settings.EMAIL_HTTP_TIMEOUT = 5.0
    leads = [LeadFactory(user=user) for _ in range(6)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    fault = inject(settings)
    try:
        campaign_start(campaign=campaign)
        write_recipients(campaign)

        try:
            send_campaign_chunk(str(campaign.pk), 0)
        except Exception as exc:  # an unexpected fault fails the task and stops the campaign, visibly
            assert error in f"{type(exc).__name__}: {exc}"
            campaign.refresh_from_db()
            assert campaign.status == Campaign.Status.FAILED
            assert error in campaign.failure_reason
        assert fault.fake.received_count == 3  # the provider has chunk 0

        chunk_0 = campaign.results.filter(chunk=0)
        assert set(chunk_0.values_list("status", flat=True)) == {R.UNKNOWN}
        for row in chunk_0:
            assert row.error_message.startswith("Outcome unknown")
            assert error in row.error_message
            assert "not sent again automatically" in row.error_message
            assert not row.retryable
        fault.fix()

        # The owner starts the stopped campaign again; long after, the reconcile job finds it quiet
        # and dispatches what is still pending.
        if Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.FAILED:
            send(campaign_start, campaign=campaign)
        send(campaigns_reconcile, now=timezone.now() + timedelta(seconds=settings.CAMPAIGN_SEND_LEASE_SECONDS + 1))
        send(campaigns_reconcile, now=timezone.now() + timedelta(seconds=2 * settings.CAMPAIGN_SEND_LEASE_SECONDS))

        assert not fault.fake.duplicates(), "a lead was e-mailed twice"
        assert sorted(fault.fake.recipients()) == sorted(lead.email for lead in leads)
        assert set(campaign.results.filter(chunk=1).values_list("status", flat=True)) == {R.SENT}
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.COMPLETED
        totals = campaign_totals(campaign=campaign)
        assert (totals["unknown"], totals["sent"], totals["failed"]) == (3, 3, 0)
    finally:
        fault.fake.stop()
