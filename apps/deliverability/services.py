"""Sender-domain checks (SPF, DKIM, DMARC over DNS) and the complaint rate that pauses campaigns.

The spam check of a message (SpamAssassin) is the campaigns app's (apps/campaigns/spam_check.py): a
campaign's start refuses on it, and deliverability sits above campaigns."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.campaigns.models import Campaign
from apps.campaigns.services import campaign_pause
from common.exceptions import Conflict
from services.dns import DnsLookupError, lookup_cname, lookup_txt

from . import selectors
from .models import CheckStatus, ComplaintPause, SenderDomain

logger = logging.getLogger(__name__)

PROVIDERS = ("sendgrid", "mailgun")
# The SPF mechanism each provider documents for the domains it sends for.
SPF_INCLUDES = {"sendgrid": "include:sendgrid.net", "mailgun": "include:mailgun.org"}
SEVERITY = [CheckStatus.PASS, CheckStatus.WARNING, CheckStatus.ERROR, CheckStatus.FAIL]
CHECK_FIELDS = [
    "checked_at",
    "status",
    "spf_status",
    "spf_record",
    "dkim_status",
    "dkim_records",
    "dmarc_status",
    "dmarc_record",
    "dmarc_policy",
    "fixes",
    "warnings",
    "sent_last_day",
]


@dataclass
class CheckResult:
    status: str = CheckStatus.PASS
    fixes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fail(self, fix: str) -> None:
        self.status = _worst(self.status, CheckStatus.FAIL)
        self.fixes.append(fix)

    def warn(self, warning: str) -> None:
        self.status = _worst(self.status, CheckStatus.WARNING)
        self.warnings.append(warning)

    def error(self, exc: DnsLookupError) -> None:
        self.status = _worst(self.status, CheckStatus.ERROR)
        self.warnings.append(f"The DNS lookup failed ({exc}); nothing is known until it answers.")


def _worst(*statuses: str) -> str:
    return max(statuses, key=SEVERITY.index)


def sender_domains_sync() -> list[SenderDomain]:
    """One row per domain we send from (DEFAULT_FROM_EMAIL, MAILGUN_DOMAIN, the extra setting), each
    with the providers that send for it; rows added by hand are kept."""
    configured = [p for p in PROVIDERS if p in settings.EMAIL_PROVIDERS]
    mailgun_domain = settings.MAILGUN_DOMAIN.lower() if "mailgun" in configured else ""
    from_domain = selectors.default_sending_domain()
    wanted: dict[str, list[str]] = {}
    if from_domain:
        # Mailgun signs with its own domain's key: it is checked there when that is another domain.
        wanted[from_domain] = [p for p in configured if p != "mailgun" or mailgun_domain in ("", from_domain)]
    if mailgun_domain and "mailgun" not in wanted.setdefault(mailgun_domain, []):
        wanted[mailgun_domain].append("mailgun")
    for extra in settings.DELIVERABILITY_EXTRA_SENDER_DOMAINS:
        wanted.setdefault(extra.lower(), list(configured))
    for domain, providers in wanted.items():
        SenderDomain.objects.update_or_create(domain=domain, defaults={"providers": providers})
    return list(SenderDomain.objects.filter(domain__in=wanted))


def _check_spf(domain: str, providers: list[str]) -> tuple[CheckResult, str]:
    result = CheckResult()
    try:
        records = [r for r in lookup_txt(domain) if r.lower().startswith("v=spf1")]
    except DnsLookupError as exc:
        result.error(exc)
        return result, ""
    needed = " ".join(SPF_INCLUDES[p] for p in providers)
    if not records:
        result.fail(f'Publish an SPF record: TXT at {domain} "v=spf1 {needed + " " if needed else ""}~all".')
        return result, ""
    if len(records) > 1:
        result.fail(f"Merge the {len(records)} SPF records at {domain} into one: receivers reject two (RFC 7208).")
        return result, " | ".join(records)
    record = records[0]
    terms = record.lower().split()
    for provider in providers:
        if SPF_INCLUDES[provider] not in terms:
            result.fail(f"Add {SPF_INCLUDES[provider]} to the SPF record at {domain} so {provider} may send for it.")
    if terms[-1] in ("+all", "all", "?all"):
        result.warn(f'The SPF record ends in "{terms[-1]}": it lets anyone send as {domain}; end it in ~all or -all.')
    return result, record


def _check_dkim(domain: str, providers: list[str]) -> tuple[CheckResult, list[dict]]:
    result = CheckResult()
    records: list[dict] = []
    if not providers:
        result.warn("No sending provider (SendGrid, Mailgun) is configured: there is no DKIM key to look for.")
        return result, records
    try:
        if "sendgrid" in providers:
            for selector in settings.DELIVERABILITY_SENDGRID_DKIM_SELECTORS:
                name = f"{selector}._domainkey.{domain}"
                target = lookup_cname(name)
                ok = bool(target and target.endswith(".sendgrid.net"))
                records.append(
                    {
                        "provider": "sendgrid",
                        "selector": selector,
                        "name": name,
                        "type": "CNAME",
                        "value": target or "",
                        "ok": ok,
                    }
                )
                if not ok:
                    result.fail(
                        f"Add the CNAME {name} → {selector}.domainkey.<your id>.sendgrid.net that SendGrid shows "
                        "under Settings → Sender Authentication."
                        if not target
                        else f"The CNAME {name} points to {target}, not to SendGrid: use the target SendGrid shows."
                    )
        if "mailgun" in providers:
            found = []
            for selector in settings.DELIVERABILITY_MAILGUN_DKIM_SELECTORS:
                name = f"{selector}._domainkey.{domain}"
                for value in lookup_txt(name):
                    if "p=" in value.replace(" ", ""):
                        ok = not value.replace(" ", "").rstrip(";").endswith("p=")  # an empty p= is a revoked key
                        found.append(ok)
                        records.append(
                            {
                                "provider": "mailgun",
                                "selector": selector,
                                "name": name,
                                "type": "TXT",
                                "value": value,
                                "ok": ok,
                            }
                        )
            if not any(found):
                result.fail(
                    f"Add the DKIM TXT record Mailgun shows for {domain} (Sending → Domain settings → DNS records); "
                    f"selectors looked for: {', '.join(settings.DELIVERABILITY_MAILGUN_DKIM_SELECTORS)}."
                )
    except DnsLookupError as exc:
        result.error(exc)
    return result, records


def _dmarc_tags(record: str) -> dict[str, str]:
    tags = {}
    for part in record.split(";"):
        key, _, value = part.strip().partition("=")
        if key:
            tags[key.strip().lower()] = value.strip()
    return tags


def _check_dmarc(domain: str) -> tuple[CheckResult, str, str]:
    """The domain's own _dmarc record, else its parents' (the organisational domain's policy applies)."""
    result = CheckResult()
    labels = domain.split(".")
    try:
        for start in range(0, max(len(labels) - 1, 1)):
            records = [r for r in lookup_txt("_dmarc." + ".".join(labels[start:])) if r.startswith("v=DMARC1")]
            if records:
                break
    except DnsLookupError as exc:
        result.error(exc)
        return result, "", ""
    if not records:
        result.fail(
            f'Publish a DMARC record: TXT at _dmarc.{domain} "v=DMARC1; p=none; rua=mailto:dmarc@{domain}", '
            "then move to p=quarantine once the reports show only your own mail."
        )
        return result, "", ""
    if len(records) > 1:
        result.fail(f"Keep one DMARC record at _dmarc.{domain}: with {len(records)}, receivers ignore them all.")
        return result, " | ".join(records), ""
    policy = _dmarc_tags(records[0]).get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        result.fail(
            f"The DMARC record has no valid policy (p={policy or 'missing'}): set p=none, quarantine or reject."
        )
    elif policy == "none":
        result.warn("DMARC is p=none (monitoring only): move to p=quarantine once the reports show only your own mail.")
    return result, records[0], policy


def sender_domain_check(*, sender_domain: SenderDomain, now: datetime | None = None) -> SenderDomain:
    """Look up the domain's SPF, DKIM and DMARC records and store each verdict with what to fix."""
    now = now or timezone.now()
    domain, providers = sender_domain.domain, list(sender_domain.providers)
    spf, spf_record = _check_spf(domain, providers)
    dkim, dkim_records = _check_dkim(domain, providers)
    dmarc, dmarc_record, policy = _check_dmarc(domain)
    sent_last_day = selectors.sent_count(domain=domain, since=now - timedelta(days=1))
    volume_warnings = []
    limit = settings.DELIVERABILITY_DMARC_REQUIRED_DAILY_VOLUME
    if dmarc.status == CheckStatus.FAIL and sent_last_day > limit:
        volume_warnings.append(
            f"{domain} sent {sent_last_day:,} messages in the last day without a DMARC record: Gmail and Yahoo "
            f"reject or junk bulk mail (over {limit:,} a day) from such domains."
        )
    sender_domain.checked_at = now
    sender_domain.spf_status, sender_domain.spf_record = spf.status, spf_record
    sender_domain.dkim_status, sender_domain.dkim_records = dkim.status, dkim_records
    sender_domain.dmarc_status, sender_domain.dmarc_record = dmarc.status, dmarc_record
    sender_domain.dmarc_policy = policy
    sender_domain.fixes = spf.fixes + dkim.fixes + dmarc.fixes
    sender_domain.warnings = volume_warnings + spf.warnings + dkim.warnings + dmarc.warnings
    sender_domain.sent_last_day = sent_last_day
    sender_domain.status = _worst(
        spf.status, dkim.status, dmarc.status, CheckStatus.WARNING if volume_warnings else CheckStatus.PASS
    )
    # Only the check's own fields: the complaint-rate job writes the others concurrently.
    sender_domain.save(update_fields=[*CHECK_FIELDS, "updated_at"])
    return sender_domain


def sender_domains_check_all(*, now: datetime | None = None) -> list[SenderDomain]:
    """Sync the domains from settings and check every stored one (the daily job and the API)."""
    sender_domains_sync()
    return [sender_domain_check(sender_domain=d, now=now) for d in SenderDomain.objects.all()]


def sender_domain_update_complaint_rate(*, sender_domain: SenderDomain, now: datetime | None = None) -> SenderDomain:
    """The domain's complaint rate over the window; at the pause rate, its sending advertising
    campaigns are paused (through campaign_pause) and each pause is recorded."""
    now = now or timezone.now()
    since = selectors.complaint_window_start(now)
    sent = selectors.sent_count(domain=sender_domain.domain, since=since)
    complaints = selectors.complaint_count(domain=sender_domain.domain, since=since)
    rate = complaints / sent if sent else 0.0
    level = SenderDomain.ComplaintLevel.OK
    if complaints and rate >= settings.DELIVERABILITY_COMPLAINT_WARN_RATE:
        level = SenderDomain.ComplaintLevel.WARNING
    enough_mail = sent >= settings.DELIVERABILITY_COMPLAINT_MIN_SENT
    if complaints and rate >= settings.DELIVERABILITY_COMPLAINT_PAUSE_RATE and enough_mail:
        level = SenderDomain.ComplaintLevel.PAUSED
    SenderDomain.objects.filter(pk=sender_domain.pk).update(
        complaint_sent=sent,
        complaint_count=complaints,
        complaint_rate=rate,
        complaint_level=level,
        complaint_rate_updated_at=now,
    )
    sender_domain.refresh_from_db()
    if level == SenderDomain.ComplaintLevel.PAUSED:
        _pause_advertising_campaigns(sender_domain)
    return sender_domain


def _pause_advertising_campaigns(sender_domain: SenderDomain) -> None:
    sending = selectors.campaigns_sending_from(sender_domain.domain).filter(
        is_advertising=True, status__in=Campaign.PAUSABLE
    )
    reason = _(
        "The complaint rate of mail from %(domain)s reached %(rate).2f%% (the limit is %(limit).2f%%): "
        "advertising from it is paused. Resume once the cause is found."
    ) % {
        "domain": sender_domain.domain,
        "rate": 100 * sender_domain.complaint_rate,
        "limit": 100 * settings.DELIVERABILITY_COMPLAINT_PAUSE_RATE,
    }
    for campaign in sending:
        try:
            with transaction.atomic():
                campaign_pause(campaign=campaign, reason=reason)
                ComplaintPause.objects.create(
                    sender_domain=sender_domain,
                    campaign=campaign,
                    complaint_rate=sender_domain.complaint_rate,
                    complaint_count=sender_domain.complaint_count,
                    complaint_sent=sender_domain.complaint_sent,
                )
        except Conflict:  # it finished or was paused meanwhile
            continue
        logger.warning(
            "Paused campaign %s: complaint rate %.3f%% of %s",
            campaign.pk,
            sender_domain.complaint_rate * 100,
            sender_domain,
        )


def sender_domains_update_complaint_rates(*, now: datetime | None = None) -> list[SenderDomain]:
    sender_domains_sync()
    return [sender_domain_update_complaint_rate(sender_domain=d, now=now) for d in SenderDomain.objects.all()]
