"""The spam check: SpamAssassin's score of a campaign message, and the refusal of an advertising
campaign's start above SPAM_CHECK_MAX_SCORE_ADVERTISING.

It lives with campaigns (the start and the template preview use it) rather than in deliverability,
which sits above campaigns (it reads their results and pauses them): the deliverability spam-check
endpoint calls down into this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from django.conf import settings
from django.utils.translation import gettext as _

from services.spam import SpamdError, SpamRule, spamd_client

from .selectors import campaign_template_preview

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpamReport:
    """SpamAssassin's verdict on one message; ``available`` False (and no score) when no daemon answered."""

    available: bool
    score: float | None = None
    threshold: float | None = None
    is_spam: bool | None = None
    rules: tuple[SpamRule, ...] = ()
    detail: str = ""
    max_score_advertising: float | None = None


def _spam_check_mime(*, subject: str, html: str, text: str | None, from_address: str, to_address: str) -> bytes:
    """The message as a provider would deliver it: the headers every sent message carries and the
    parts we send (multipart/alternative when there is a text part)."""
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    if text:
        message.set_content(text)
        message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return message.as_bytes()


def spam_check_message(
    *, subject: str, html: str, text: str | None = None, from_address: str = "", to_address: str = ""
) -> SpamReport:
    """Score a message with SpamAssassin (SPAMD_URL). Without a daemon, or when it fails, the report
    says the check is unavailable and why — never a made-up score."""
    limit = settings.SPAM_CHECK_MAX_SCORE_ADVERTISING or None
    client = spamd_client()
    if client is None:
        return SpamReport(
            available=False, detail=_("No spam check is configured (SPAMD_URL)."), max_score_advertising=limit
        )
    mime = _spam_check_mime(
        subject=subject,
        html=html,
        text=text,
        from_address=from_address or settings.DEFAULT_FROM_EMAIL,
        to_address=to_address or formataddr(("담당자", "recipient@example.com")),
    )
    try:
        result = client.report(mime)
    except SpamdError as exc:
        logger.warning("Spam check unavailable: %s", exc)
        return SpamReport(
            available=False,
            detail=_("The spam check is unavailable: %(error)s") % {"error": exc},
            max_score_advertising=limit,
        )
    return SpamReport(
        available=True,
        score=result.score,
        threshold=result.threshold,
        is_spam=result.is_spam,
        rules=result.rules,
        max_score_advertising=limit,
    )


def spam_check_template(*, template, user, lead_id=None, is_advertising: bool = True) -> SpamReport:
    """Score a campaign template as the preview renders it (for a lead of the user's, or the sample lead)."""
    preview = campaign_template_preview(template=template, user=user, lead_id=lead_id, is_advertising=is_advertising)
    return spam_check_message(subject=preview["subject"], html=preview["html"], text=preview.get("text"))


def spam_check_refusal(report: SpamReport) -> str | None:
    """Why an advertising campaign with this report may not start, or None. An unavailable check
    never refuses: the daemon is an optional service."""
    if report.available and report.max_score_advertising and report.score > report.max_score_advertising:
        return _(
            "The message scores %(score).1f on SpamAssassin, above the %(limit).1f "
            "allowed for advertising campaigns: fix the rules the spam check lists."
        ) % {"score": report.score, "limit": report.max_score_advertising}
    return None
