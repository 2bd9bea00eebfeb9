"""Campaign reports: what a campaign did, as JSON (GET /api/campaigns/{id}/report/), CSV and XLSX
exports, and the Korean report e-mail its owner gets once when it completes.

The numbers are selectors.campaign_totals_of's (human opens only; machine opens apart) and
selectors.campaign_daily_totals's, so the report, the API's totals and the admin never disagree.
Sequences (another app) get their weekly report through ``sequence_weekly_report_send``.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Left, NullIf
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from common.serializers import utc_iso

from . import selectors
from .admin_numbers import CHART_SERIES, LABELS, RATE_LABELS, format_rate
from .models import Campaign, CampaignLeadResult, ReportEmail
from .report_chart import daily_chart_png

logger = logging.getLogger(__name__)

# TrackingEvent.Kind values, named through the reverse relation "events": tracking sits above campaigns.
CLICK_EVENT = "click"
BOUNCE_EVENTS = ("bounce", "dropped")
RECENT_REPLIES = 20
REASON_LENGTH = 200
CHART_CONTENT_ID = "campaign-report-chart"
# The totals the report e-mail lists, in this order (all of them are in the JSON and the exports).
EMAIL_TOTALS = ("recipients", "sent", "delivered", "opened", "machine_opened", "clicked", "replied", "bounced")
EMAIL_TOTALS += ("unsubscribed", "complained", "failed", "unknown")


# -- the report's numbers ---------------------------------------------------------------------------


def campaign_top_links(*, campaign: Campaign, limit: int | None = None) -> list[dict]:
    """The links people clicked, most recipients first: {"url", "recipients", "clicks"}. Clicks of
    link scanners (is_machine) are left out, as the click rate leaves them out."""
    limit = settings.CAMPAIGN_REPORT_TOP_LINKS if limit is None else limit
    rows = (
        CampaignLeadResult.objects.filter(
            campaign=campaign,
            events__campaign=campaign,
            events__kind=CLICK_EVENT,
            events__is_machine=False,
        )
        .exclude(events__url="")
        .values(url=Left("events__url", 2000))
        .annotate(recipients=Count("id", distinct=True), clicks=Count("events__id"))
        .order_by("-recipients", "-clicks", "url")[:limit]
    )
    return [{"url": row["url"], "recipients": row["recipients"], "clicks": row["clicks"]} for row in rows]


def campaign_bounces_by_reason(*, campaign: Campaign) -> list[dict]:
    """Bounced recipients grouped by the reason of their latest bounce (the provider's words), else
    the row's error message: {"reason", "count"}, most frequent first. One query."""
    latest_reason = (
        CampaignLeadResult.objects.filter(pk=OuterRef("pk"), events__kind__in=BOUNCE_EVENTS)
        .exclude(events__detail="")
        .order_by("-events__occurred_at")
        .values("events__detail")[:1]
    )
    rows = (
        CampaignLeadResult.objects.filter(campaign=campaign)
        .filter(selectors.BOUNCED)
        .annotate(reason=Left(Coalesce(Subquery(latest_reason), NullIf("error_message", Value(""))), REASON_LENGTH))
        .values("reason")
        .annotate(count=Count("id"))
        .order_by("-count", "reason")
    )
    return [{"reason": row["reason"] or "", "count": row["count"]} for row in rows]


def campaign_recent_replies(*, campaign: Campaign, limit: int = RECENT_REPLIES) -> list[dict]:
    rows = (
        CampaignLeadResult.objects.filter(campaign=campaign, replied_at__isnull=False)
        .order_by("-replied_at")
        .values("email", "replied_at")[:limit]
    )
    return [{"email": row["email"], "replied_at": row["replied_at"]} for row in rows]


def campaign_report(*, campaign: Campaign) -> dict:
    """Everything the report shows: totals, tracking switches, rates, top links, replies, bounces by
    reason and the days (Asia/Seoul)."""
    totals, rates = selectors.campaign_totals_of(campaign)
    return {
        "campaign": {
            "id": campaign.pk,
            "name": campaign.name,
            "status": campaign.status,
            "started_at": campaign.started_at,
            "completed_at": campaign.completed_at,
        },
        "generated_at": timezone.now(),
        "totals": totals,
        "rates": rates,
        "top_links": campaign_top_links(campaign=campaign),
        "replies": {"count": totals["replied"], "recent": campaign_recent_replies(campaign=campaign)},
        "bounces_by_reason": campaign_bounces_by_reason(campaign=campaign),
        "daily": selectors.campaign_daily_totals(campaign=campaign),
    }


# -- exports ----------------------------------------------------------------------------------------


def _export_sections(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """(sheet name, header, rows) of each part of the report, as CSV and XLSX write them."""
    rates = report["rates"]
    summary = [[str(LABELS[name]), report["totals"][name]] for name in selectors.TOTAL_NAMES]
    summary += [[str(RATE_LABELS[name]), "" if value is None else value] for name, value in rates.items()]
    daily_names = list(selectors.DAILY_NAMES)
    return [
        (_("Summary"), [_("Metric"), _("Value")], summary),
        (
            _("Links"),
            [_("Link"), _("Recipients"), _("Clicks")],
            [[r["url"], r["recipients"], r["clicks"]] for r in report["top_links"]],
        ),
        (
            _("Bounces"),
            [_("Reason"), _("Recipients")],
            [[r["reason"], r["count"]] for r in report["bounces_by_reason"]],
        ),
        (
            _("Days"),
            [_("Date")] + [str(LABELS[name]) for name in daily_names],
            [[f"{day['date']:%Y-%m-%d}"] + [day[name] for name in daily_names] for day in report["daily"]],
        ),
        (
            _("Replies"),
            [_("E-mail address"), _("Replied at (UTC)")],
            [[r["email"], utc_iso(r["replied_at"])] for r in report["replies"]["recent"]],
        ),
    ]


# A spreadsheet runs a cell starting with one of these as a formula: links, bounce reasons and
# addresses come from outside, so such text is written with a leading apostrophe (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def campaign_report_csv(report: dict) -> bytes:
    """One CSV file, its parts one after the other, each with its title row and header; UTF-8 with a
    BOM, so that Excel reads the Korean."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Campaign"), _csv_cell(report["campaign"]["name"])])
    for title, header, rows in _export_sections(report):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")


def campaign_report_xlsx(report: dict) -> bytes:
    """One sheet per part of the report (openpyxl, write-only); text cells stay text, never formulas."""
    book = Workbook(write_only=True)
    for title, header, rows in _export_sections(report):
        sheet = book.create_sheet(title=str(title)[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, value):
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


# -- the report e-mail ------------------------------------------------------------------------------


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0">{escape(label)}</th><td>{escape(value)}</td></tr>'
        for label, value in rows
    )
    return f'<table cellspacing="0" style="border-collapse:collapse">{cells}</table>'


def report_email(*, title: str, intro: str, report: dict) -> dict:
    """Subject, text and HTML of a report e-mail (in the active language: the callers choose Korean),
    and the chart as an inline PNG the HTML shows through ``cid:``."""
    totals, rates = report["totals"], report["rates"]
    total_rows = [(str(LABELS[name]), str(totals[name])) for name in EMAIL_TOTALS if name in totals]
    rate_rows = [(str(RATE_LABELS[name]), format_rate(value)) for name, value in rates.items()]
    link_rows = [
        (link["url"], _("%(count)d recipients") % {"count": link["recipients"]}) for link in report["top_links"]
    ]
    bounce_rows = [(row["reason"] or _("(no reason given)"), str(row["count"])) for row in report["bounces_by_reason"]]
    reply_rows = [
        (row["email"], f"{timezone.localtime(row['replied_at']):%Y-%m-%d %H:%M}") for row in report["replies"]["recent"]
    ]
    sections = [
        (_("Totals"), total_rows),
        (_("Rates (over sent e-mails; opens and clicks of people only)"), rate_rows),
        (_("Most clicked links"), link_rows),
        (_("Replies"), reply_rows),
        (_("Bounces by reason"), bounce_rows),
    ]
    machine_note = _("Machine opens (privacy proxies, scanners) are counted apart and left out of the open rate.")
    legend = " · ".join(
        f'<span style="color:{colour}">&#9632;</span> {escape(LABELS[name])}' for name, colour in CHART_SERIES.items()
    )
    html = [f"<h2>{escape(title)}</h2>", f"<p>{escape(intro)}</p>"]
    text = [title, "", intro]
    for heading, rows in sections:
        html.append(f"<h3>{escape(heading)}</h3>")
        text += ["", f"[{heading}]"]
        if not rows:
            html.append(f"<p>{escape(_('None'))}</p>")
            text.append(_("None"))
            continue
        html.append(_table(rows))
        text += [f"- {label}: {value}" for label, value in rows]
    html += [
        f"<h3>{escape(_('Recipients per day (Asia/Seoul)'))}</h3>",
        f'<img src="cid:{CHART_CONTENT_ID}" width="560" height="180" alt="{escape(_("Chart of the days"))}">',
        f"<p>{legend}</p>",
        f"<p>{escape(machine_note)}</p>",
    ]
    return {
        "subject": f"[SalesOne] {title}",
        "text": "\n".join(text) + "\n",
        "html": "".join(html),
        "inline_images": [
            {
                "filename": "chart.png",
                "content_id": CHART_CONTENT_ID,
                "mimetype": "image/png",
                "content_base64": base64.b64encode(daily_chart_png(report["daily"])).decode("ascii"),
            }
        ],
    }


def _claim_and_queue(*, kind: str, subject_id, period: str, recipient: str, message: dict) -> ReportEmail | None:
    """Write the ReportEmail claim; only the run that wrote it queues the e-mail, after commit."""
    from apps.mail.tasks import send_transactional_email

    try:
        with transaction.atomic():
            claim = ReportEmail.objects.create(kind=kind, subject_id=subject_id, period=period, recipient=recipient)
            transaction.on_commit(lambda: send_transactional_email.delay(to=recipient, category="report", **message))
    except IntegrityError:
        return None  # another run reported it already
    return claim


def campaign_report_send(*, campaign_id) -> ReportEmail | None:
    """E-mail the owner of a completed campaign its report, in Korean, once: a second call (the
    completion handled twice, the beat job catching up) finds the claim and sends nothing."""
    if not settings.CAMPAIGN_REPORT_EMAIL_ENABLED:
        return None
    campaign = Campaign.objects.select_related("user").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.COMPLETED:
        return None
    if campaign.kind == Campaign.Kind.SEQUENCE_STEP:
        return None  # a sequence's step: its owner gets the sequence's weekly report, not one per step
    owner = campaign.user
    if not owner.email or not owner.is_active:
        return None
    kind = ReportEmail.Kind.CAMPAIGN_COMPLETED
    if ReportEmail.objects.filter(kind=kind, subject_id=campaign.pk, period="").exists():
        return None  # skip building the report; the unique claim below is what guarantees "once"
    with translation.override("ko"):
        message = report_email(
            title=_("Campaign report: %(name)s") % {"name": campaign.name},
            intro=_("Your campaign '%(name)s' has completed. Here is what it did.") % {"name": campaign.name},
            report=campaign_report(campaign=campaign),
        )
    claim = _claim_and_queue(kind=kind, subject_id=campaign.pk, period="", recipient=owner.email, message=message)
    if claim is not None:
        logger.info("campaign %s: report e-mail queued to its owner", campaign.pk)
    return claim


def campaigns_send_missed_reports(*, now=None) -> int:
    """Beat job: the reports of campaigns completed in the last CAMPAIGN_REPORT_CATCH_UP_HOURS that
    have none yet (the completion's message was lost with a worker). Returns how many it queued."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.CAMPAIGN_REPORT_CATCH_UP_HOURS)
    reported = ReportEmail.objects.filter(kind=ReportEmail.Kind.CAMPAIGN_COMPLETED).values("subject_id")
    due = Campaign.objects.filter(
        status=Campaign.Status.COMPLETED, completed_at__gte=since, kind=Campaign.Kind.CAMPAIGN
    ).exclude(pk__in=reported)
    return sum(1 for campaign_id in due.values_list("pk", flat=True) if campaign_report_send(campaign_id=campaign_id))


def sequence_weekly_report_send(*, sequence, week_start: date, report: dict) -> ReportEmail | None:
    """The hook for the sequences app: the weekly report of a running sequence, to its owner, in
    Korean, once per ISO week.

    ``sequence`` is any object with ``pk``, ``name`` and ``user`` (the owner, with ``email``);
    ``report`` has campaign_report's shape for the week: "totals" and "rates" as
    selectors.campaign_totals_of gives them, "top_links", "replies" {"count", "recent"},
    "bounces_by_reason" and "daily". Call it from a weekly beat job for each running sequence;
    calling it twice for one week sends one e-mail.
    """
    owner = sequence.user
    if not owner.email or not owner.is_active:
        return None
    year, week, _day = week_start.isocalendar()
    period = f"{year}-W{week:02d}"
    with translation.override("ko"):
        message = report_email(
            title=_("Weekly sequence report: %(name)s (%(week)s)") % {"name": sequence.name, "week": period},
            intro=_("What your sequence '%(name)s' did in the week starting %(date)s.")
            % {"name": sequence.name, "date": f"{week_start:%Y-%m-%d}"},
            report=report,
        )
    return _claim_and_queue(
        kind=ReportEmail.Kind.SEQUENCE_WEEKLY,
        subject_id=sequence.pk,
        period=period,
        recipient=owner.email,
        message=message,
    )
