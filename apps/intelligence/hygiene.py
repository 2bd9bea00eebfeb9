"""Data hygiene (issue 20): check digits, e-mail syntax and MX-less domains, phone numbers; duplicate
suggestions and the merge that resolves one; the weekly stale-lead report.

MX lookups go through services/dns with its timeout, one per domain, cached for a day; when the
resolver does not answer at all the MX check is skipped for the run with one log line, never reported
as a missing record.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.accounts.models import User
from apps.leads.models import Lead
from apps.leads.services import lead_delete
from apps.mail.tasks import send_transactional_email
from apps.salesone_leads.models import SalesOneLead
from common.exceptions import Conflict
from common.korean_ids import (
    is_valid_business_number,
    is_valid_corporation_number,
    normalize_business_number,
    normalize_corporation_number,
)
from services.dns.resolver import DnsLookupError, lookup_mx

from .models import DuplicateSuggestion, LeadHygiene

logger = logging.getLogger(__name__)

ISSUE_CODES = (
    "business_number_check_digit",
    "corporation_number_check_digit",
    "email_syntax",
    "email_domain_without_mx",
    "phone_format",
)


class MxChecker:
    """Whether a domain accepts mail (an MX, or an A record per RFC 5321 §5.1 is not checked here:
    a domain with neither MX nor anything is what bounces). Cached per domain; offline: unknown."""

    def __init__(self, *, enabled: bool = True):
        self.offline = not (enabled and settings.HYGIENE_MX_CHECK)

    def has_mx(self, domain: str) -> bool | None:
        if self.offline:
            return None
        key = f"intelligence:mx:{domain}"
        cached = cache.get(key)
        if cached is not None:
            return cached
        try:
            found = bool(lookup_mx(domain))
        except DnsLookupError as exc:
            logger.warning("MX checks skipped for this run: the DNS resolver did not answer (%s)", exc)
            self.offline = True
            return None
        cache.set(key, found, timeout=settings.HYGIENE_MX_CACHE_SECONDS)
        return found


def phone_issue(phone: str) -> str | None:
    """Why the number is not a valid phone number (Korean by default), or None."""
    try:
        number = phonenumbers.parse(phone, "KR")
    except phonenumbers.NumberParseException:
        return _("Not a phone number.")
    if not phonenumbers.is_valid_number(number):
        return _("Not a valid phone number in its country.")
    return None


def lead_issues(lead: Lead, mx: MxChecker) -> list[dict]:
    issues = []
    if lead.business_number and not lead.business_number_valid:
        issues.append(
            {"field": "business_number", "code": "business_number_check_digit", "message": _("The check digit fails.")}
        )
    if lead.corporation_number and not lead.corporation_number_valid:
        issues.append(
            {
                "field": "corporation_number",
                "code": "corporation_number_check_digit",
                "message": _("The check digit fails."),
            }
        )
    if lead.email:
        try:
            validate_email(lead.email)
        except DjangoValidationError:
            issues.append({"field": "email", "code": "email_syntax", "message": _("Not a valid e-mail address.")})
        else:
            domain = lead.email.rsplit("@", 1)[1].lower()
            if mx.has_mx(domain) is False:
                issues.append(
                    {
                        "field": "email",
                        "code": "email_domain_without_mx",
                        "message": _("The domain %(domain)s receives no mail (no MX record).") % {"domain": domain},
                    }
                )
    if lead.phone:
        problem = phone_issue(lead.phone)
        if problem:
            issues.append({"field": "phone", "code": "phone_format", "message": problem})
    return issues


def leads_check_hygiene(*, lead_ids=None, user_id=None, now=None, check_mx: bool = True) -> int:
    """Check these leads (all, or all of one user, when None), storing each one's issues; returns the
    leads checked."""
    now = now or timezone.now()
    mx = MxChecker(enabled=check_mx)
    leads = Lead.objects.only("id", "business_number", "corporation_number", "email", "phone")
    if lead_ids is not None:
        leads = leads.filter(pk__in=list(lead_ids))
    if user_id is not None:
        leads = leads.filter(user_id=user_id)
    checked = 0
    batch: list[LeadHygiene] = []
    for lead in leads.iterator(chunk_size=2000):
        batch.append(LeadHygiene(lead=lead, issues=lead_issues(lead, mx), checked_at=now))
        if len(batch) == 2000:
            checked += _store(batch)
            batch = []
    return checked + _store(batch)


def _store(batch: list[LeadHygiene]) -> int:
    LeadHygiene.objects.bulk_create(
        batch, update_conflicts=True, unique_fields=["lead"], update_fields=["issues", "checked_at", "updated_at"]
    )
    return len(batch)


# -- duplicates ----------------------------------------------------------------------------------

# Pairs of one user's leads with the same normalised name (legal forms and punctuation out, by the
# SalesOne DB's own salesone_search_tokens) in the same province; new pairs only.
_SUGGEST_DUPLICATES_SQL = """
WITH keyed AS (
    SELECT id, user_id, si_nm, created_at,
           array_to_string(ARRAY(SELECT salesone_search_tokens(name)), '') AS name_key
      FROM leads_lead
     WHERE {where} si_nm <> ''
)
INSERT INTO intelligence_duplicatesuggestion
       (id, created_at, updated_at, user_id, lead_a_id, lead_b_id, rule, reason, status)
SELECT gen_random_uuid(), now(), now(), a.user_id, a.id, b.id, %(rule)s, 'same name and region', 'open'
  FROM keyed a
  JOIN keyed b ON b.user_id = a.user_id AND b.name_key = a.name_key AND b.si_nm = a.si_nm
              AND (b.created_at, b.id) > (a.created_at, a.id)
 WHERE a.name_key <> ''
ON CONFLICT (lead_a_id, lead_b_id) DO NOTHING
"""

Rule = DuplicateSuggestion.Rule


def _valid_digits(value: str, normalize, is_valid) -> str | None:
    """The number as digits only when its check digit holds, else None (a typo matches nothing)."""
    digits = normalize(value.strip()) if value else None
    return digits if digits and is_valid(digits) else None


def _number_pairs(*, user_id=None) -> list[DuplicateSuggestion]:
    """Pairs of one user's leads that are one company by number: the same corporation number, the same
    business number (each as digits only, with a valid check digit: ``123-45-67890`` is ``1234567890``),
    or one lead's corporation number and the other's business number of one company in the SalesOne DB.
    A pair is ordered older first, as the name rule orders it, so each pair has one row."""
    leads = Lead.objects.exclude(corporation_number="", business_number="")
    if user_id is not None:
        leads = leads.filter(user_id=user_id)
    by_corporation: dict[tuple, list] = {}
    by_business: dict[tuple, list] = {}
    for lead_id, owner_id, created_at, corporation, business in leads.values_list(
        "id", "user_id", "created_at", "corporation_number", "business_number"
    ).iterator(chunk_size=5000):
        key = (created_at, lead_id)
        corporation = _valid_digits(corporation, normalize_corporation_number, is_valid_corporation_number)
        business = _valid_digits(business, normalize_business_number, is_valid_business_number)
        if corporation:
            by_corporation.setdefault((owner_id, corporation), []).append(key)
        if business:
            by_business.setdefault((owner_id, business), []).append(key)

    pairs: dict[tuple, DuplicateSuggestion] = {}

    def add(owner_id, first, second, rule: str, reason: str) -> None:
        older, newer = sorted((first, second))
        if older[1] != newer[1] and (older[1], newer[1]) not in pairs:
            pairs[(older[1], newer[1])] = DuplicateSuggestion(
                user_id=owner_id, lead_a_id=older[1], lead_b_id=newer[1], rule=rule, reason=reason[:200]
            )

    for groups, rule, label in (
        (by_corporation, Rule.SAME_CORPORATION_NUMBER, "same corporation number"),
        (by_business, Rule.SAME_BUSINESS_NUMBER, "same business number"),
    ):
        for (owner_id, digits), keys in groups.items():
            for i, first in enumerate(keys):
                for second in keys[i + 1 :]:
                    add(owner_id, first, second, rule, f"{label} {digits}")

    # The SalesOne DB knows which business number goes with a corporation number.
    corporation_numbers = sorted({digits for _owner, digits in by_corporation})
    business_of: dict[str, str] = {}
    for start in range(0, len(corporation_numbers), 5000):
        business_of.update(
            SalesOneLead.objects.filter(corporation_number__in=corporation_numbers[start : start + 5000])
            .exclude(business_number__isnull=True)
            .exclude(business_number="")
            .values_list("corporation_number", "business_number")
        )
    for (owner_id, corporation), with_corporation in by_corporation.items():
        business = business_of.get(corporation)
        for second in by_business.get((owner_id, business), []) if business else []:
            for first in with_corporation:
                add(
                    owner_id,
                    first,
                    second,
                    Rule.NUMBERS_OF_ONE_COMPANY,
                    f"corporation number {corporation} and business number {business} are one company",
                )
    return list(pairs.values())


def duplicates_suggest(*, user_id=None) -> int:
    """New duplicate suggestions (of one user, or of all): by number first, then by name and region;
    a pair already suggested (open, merged or dismissed) is not suggested again. Returns how many were
    added."""
    created = DuplicateSuggestion.objects.bulk_create(
        _number_pairs(user_id=user_id), ignore_conflicts=True, batch_size=2000
    )
    # ignore_conflicts gives back every object, inserted or not: count the rows instead.
    added = DuplicateSuggestion.objects.filter(pk__in=[row.pk for row in created]).count()
    where, params = ("user_id = %(user)s AND", {"user": user_id}) if user_id is not None else ("", {})
    with connection.cursor() as cursor:
        cursor.execute(_SUGGEST_DUPLICATES_SQL.format(where=where), {**params, "rule": Rule.SAME_NAME_AND_REGION})
        return added + cursor.rowcount


_NUMBERS = ("corporation_number", "business_number")


def _fill_empty_fields(keep: Lead, gone: Lead) -> tuple[list[str], dict[str, str]]:
    """Fill ``keep``'s empty fields from ``gone``; returns the fields filled, and the numbers to fill
    once ``gone`` is deleted (unique per user: the lead that goes holds them until then)."""
    filled, numbers = [], {}
    for field in Lead._meta.concrete_fields:
        if field.primary_key or field.name in ("user", "created_at", "updated_at"):
            continue
        name = field.attname
        if getattr(keep, name) in (None, "", [], {}) and getattr(gone, name) not in (None, "", [], {}):
            if name in _NUMBERS:
                numbers[name] = getattr(gone, name)
                continue
            setattr(keep, name, getattr(gone, name))
            filled.append(name)
    return filled, numbers


def _repoint_relations(keep: Lead, gone: Lead) -> None:
    """Every row of another app that points at ``gone`` (campaign results, opportunities, …) points at
    ``keep`` instead; a row that cannot (keep already has one in the same campaign) keeps its data and
    loses only the link when ``gone`` is deleted (SET_NULL) or goes with it (CASCADE)."""
    for relation in Lead._meta.related_objects:
        if not relation.one_to_many:  # foreign keys to the lead (one-to-one rows are the lead's own)
            continue
        model, field = relation.related_model, relation.field.name
        if model._meta.app_label == "intelligence":
            continue
        try:
            with transaction.atomic():
                model._base_manager.filter(**{field: gone}).update(**{field: keep})
        except IntegrityError:
            for row in model._base_manager.filter(**{field: gone}):
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=row.pk).update(**{field: keep})
                except IntegrityError:
                    continue


def _merge_list_memberships(keep: Lead, gone: Lead) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE leads_leadlist
               SET lead_ids = CASE WHEN lead_ids @> ARRAY[%(keep)s::uuid] THEN array_remove(lead_ids, %(gone)s::uuid)
                                   ELSE array_replace(lead_ids, %(gone)s::uuid, %(keep)s::uuid) END,
                   updated_at = now()
             WHERE user_id = %(user)s AND lead_ids @> ARRAY[%(gone)s::uuid]
            """,
            {"keep": str(keep.pk), "gone": str(gone.pk), "user": keep.user_id},
        )


@transaction.atomic
def duplicate_merge(*, suggestion: DuplicateSuggestion, keep_id) -> Lead:
    """Merge the pair into ``keep_id``: its empty fields filled from the other (its numbers too, once the
    other is gone), the other's campaign results, opportunities and list memberships moved to it, then
    the other deleted."""
    suggestion = DuplicateSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != DuplicateSuggestion.Status.OPEN:
        raise Conflict(_("This suggestion is already %(status)s.") % {"status": suggestion.get_status_display()})
    if suggestion.lead_a_id is None or suggestion.lead_b_id is None:
        raise Conflict(_("One of the two leads no longer exists."))
    if keep_id not in (suggestion.lead_a_id, suggestion.lead_b_id):
        raise ValidationError({"keep": [_("Keep one of the two leads of the suggestion.")]})
    gone_id = suggestion.lead_b_id if keep_id == suggestion.lead_a_id else suggestion.lead_a_id
    keep = Lead.objects.select_for_update().get(pk=keep_id)
    gone = Lead.objects.select_for_update().get(pk=gone_id)
    filled, numbers = _fill_empty_fields(keep, gone)
    _repoint_relations(keep, gone)
    _merge_list_memberships(keep, gone)
    suggestion.status = DuplicateSuggestion.Status.MERGED
    suggestion.save(update_fields=["status", "updated_at"])
    DuplicateSuggestion.objects.filter(status=DuplicateSuggestion.Status.OPEN, lead_a=gone).delete()
    DuplicateSuggestion.objects.filter(status=DuplicateSuggestion.Status.OPEN, lead_b=gone).delete()
    lead_delete(lead=gone)
    for name, value in numbers.items():  # e.g. the business number of a pair matched by the SalesOne DB
        setattr(keep, name, value)
        filled.append(name)
    if filled:
        keep.save(update_fields=[*filled, "updated_at"])
    return keep


# -- the weekly stale-lead report ----------------------------------------------------------------


def stale_leads_of(*, user_id, days: int, now=None):
    """The user's leads with no activity in ``days``: not changed, and no tracking event, since then."""
    since = (now or timezone.now()) - timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT l.id, l.name, greatest(l.updated_at, max(e.occurred_at)) AS last_activity
              FROM leads_lead l
              LEFT JOIN campaigns_campaignleadresult r ON r.lead_id = l.id
              LEFT JOIN tracking_trackingevent e ON e.result_id = r.id
             WHERE l.user_id = %s
             GROUP BY l.id
            HAVING greatest(l.updated_at, max(e.occurred_at)) < %s
             ORDER BY last_activity
            """,
            [user_id, since],
        )
        return cursor.fetchall()


def stale_lead_reports(*, now=None) -> list[dict]:
    """One report per user with stale leads: ``{to, subject, text}``, the first 50 leads by age."""
    days = settings.STALE_LEAD_DAYS
    reports = []
    for user in User.objects.filter(is_active=True).only("id", "email").order_by("email").iterator():
        rows = stale_leads_of(user_id=user.pk, days=days, now=now)
        if not rows:
            continue
        lines = [f"- {name} ({timezone.localdate(last).isoformat()})" for _, name, last in rows[:50]]
        heading = _("%(count)d of your leads have had no activity for %(days)d days:") % {
            "count": len(rows),
            "days": days,
        }
        subject = _("SalesOne: %(count)d stale leads") % {"count": len(rows)}
        reports.append({"to": user.email, "subject": subject, "text": "\n".join([heading, "", *lines])})
    return reports


def stale_lead_reports_send(*, now=None) -> int:
    """E-mail each report through the transactional path (its own queue and worker)."""
    reports = stale_lead_reports(now=now)
    for report in reports:
        send_transactional_email.delay(**report, category="stale_lead_report")
    return len(reports)
