"""What the leads app does that writes: create/update/delete leads, change the members of a lead list.

Lead lists store their members as an ordered ``uuid[]`` (``LeadList.lead_ids``) that campaigns read.
Three invariants hold for every list, and this module is the one place that keeps them:
  * a list holds only leads of the list's own user;
  * an id appears at most once, in the order it was added;
  * a deleted lead is removed from every list (no dangling ids).
Membership changes are single ``UPDATE`` statements, so adding thousands of ids costs one round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError

from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.services import ImportOutcome
from common.korean_ids import normalize_business_number, normalize_corporation_number

from .hooks import send_leads_created
from .models import Lead, LeadList

# The two numbers that identify a company; a user may hold each at most once (DB constraints in 0001).
UNIQUE_NUMBER_FIELDS = ("corporation_number", "business_number")
NUMBER_LABELS = {
    "corporation_number": gettext_lazy("corporation number"),
    "business_number": gettext_lazy("business number"),
}


@dataclass
class LeadListChange:
    """What an add/remove did: counts, the ids that changed nothing, and the refreshed list."""

    lead_list: LeadList
    added: int = 0
    removed: int = 0
    ignored_ids: list[uuid.UUID] = field(default_factory=list)


# --- leads -------------------------------------------------------------------------------------


def lead_duplicate_errors(*, user, data: dict, exclude_pk=None) -> dict:
    """Errors naming the user's existing lead for each identifying number already in use."""
    errors: dict = {}
    for number_field in UNIQUE_NUMBER_FIELDS:
        value = data.get(number_field)
        if not value:
            continue
        existing = Lead.objects.filter(user=user, **{number_field: value})
        if exclude_pk is not None:
            existing = existing.exclude(pk=exclude_pk)
        existing_id = existing.values_list("id", flat=True).first()
        if existing_id is not None:
            errors[number_field] = [
                _("You already have a lead with this %(number)s: lead %(id)s.")
                % {"number": NUMBER_LABELS[number_field], "id": existing_id}
            ]
            errors.setdefault("existing_lead_id", []).append(str(existing_id))
    return errors


def normalize_lead_numbers(data: dict) -> dict:
    """``business_number`` and ``corporation_number`` as bare digits (other keys unchanged)."""
    data = dict(data)
    if data.get("business_number") is not None:
        data["business_number"] = normalize_business_number(data["business_number"].strip())
    if data.get("corporation_number") is not None:
        data["corporation_number"] = normalize_corporation_number(data["corporation_number"].strip())
    return data


def _save_checked(*, lead: Lead, user) -> Lead:
    """Save, turning a lost race on the per-user unique numbers into the same 400 as the pre-check."""
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        errors = lead_duplicate_errors(
            user=user,
            data={name: getattr(lead, name) for name in UNIQUE_NUMBER_FIELDS},
            exclude_pk=lead.pk if not lead._state.adding else None,
        )
        if errors:
            raise ValidationError(errors)
        raise
    return lead


def lead_create(*, user, **data) -> Lead:
    """A new lead for ``user``; identifying numbers are stored as bare digits."""
    data = normalize_lead_numbers(data)
    errors = lead_duplicate_errors(user=user, data=data)
    if errors:
        raise ValidationError(errors)
    lead = _save_checked(lead=Lead(user=user, **data), user=user)
    send_leads_created(user_id=user.pk, lead_ids=[lead.pk])
    return lead


def lead_update(*, lead: Lead, **data) -> Lead:
    """Change the given fields; a number another of the user's leads holds is a 400 naming it."""
    data = normalize_lead_numbers(data)
    errors = lead_duplicate_errors(user=lead.user, data=data, exclude_pk=lead.pk)
    if errors:
        raise ValidationError(errors)
    for name, value in data.items():
        setattr(lead, name, value)
    return _save_checked(lead=lead, user=lead.user)


@transaction.atomic
def lead_delete(*, lead: Lead) -> None:
    """Delete the lead. The ``post_delete`` receiver (signals.py) drops it from every list in the same
    transaction, so deletes from the admin or a cascade keep the lists clean too."""
    lead.delete()


def lead_lists_forget_lead(*, lead_id: uuid.UUID, user_id) -> int:
    """Remove one lead id from every list that holds it: one UPDATE with array_remove.

    A list only ever holds its own user's leads (lead_list_add_leads checks it; the admin cannot
    edit ``lead_ids``), so only that user's lists are searched, through the user index.
    Called on every Lead delete (``signals.py``), whoever deletes it: the API, the admin, a cascade.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE leads_leadlist SET lead_ids = array_remove(lead_ids, %(id)s::uuid), updated_at = now()
             WHERE user_id = %(user)s AND lead_ids @> ARRAY[%(id)s::uuid]
            """,
            {"id": str(lead_id), "user": user_id},
        )
        return cursor.rowcount


# --- lead lists --------------------------------------------------------------------------------


def _unique_in_order(lead_ids: Iterable) -> list[uuid.UUID]:
    seen: dict[uuid.UUID, None] = {}
    for lead_id in lead_ids:
        seen.setdefault(lead_id if isinstance(lead_id, uuid.UUID) else uuid.UUID(str(lead_id)), None)
    return list(seen)


def _lock(lead_list: LeadList) -> None:
    # Serialise concurrent changes of one list: the UPDATE below then reads the latest members.
    if LeadList.objects.select_for_update().filter(pk=lead_list.pk).values_list("pk", flat=True).first() is None:
        raise LeadList.DoesNotExist(f"lead list {lead_list.pk} no longer exists")


def _refreshed(lead_list: LeadList) -> LeadList:
    lead_list.refresh_from_db(fields=["lead_ids", "updated_at"])
    return lead_list


@transaction.atomic
def lead_list_add_leads(*, lead_list: LeadList, lead_ids: Iterable) -> LeadListChange:
    """Append the user's own leads to the list, in request order, skipping repeats.

    Ids that are not the list owner's leads, do not exist, or are already in the list change
    nothing and come back in ``ignored_ids``. One UPDATE whatever the number of ids.
    """
    requested = _unique_in_order(lead_ids)
    if not requested:
        return LeadListChange(lead_list=lead_list)
    _lock(lead_list)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH requested AS (
                SELECT r.id, r.position
                  FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS r(id, position)
            ), current_members AS (
                SELECT unnest(lead_ids) AS id FROM leads_leadlist WHERE id = %(list)s
            ), to_add AS (
                SELECT requested.id, requested.position
                  FROM requested
                  JOIN leads_lead lead ON lead.id = requested.id AND lead.user_id = %(user)s
                 WHERE NOT EXISTS (SELECT 1 FROM current_members c WHERE c.id = requested.id)
            )
            UPDATE leads_leadlist
               SET lead_ids = lead_ids || ARRAY(SELECT id FROM to_add ORDER BY position),
                   updated_at = now()
             WHERE id = %(list)s
            RETURNING ARRAY(SELECT id FROM to_add ORDER BY position)
            """,
            {"ids": [str(i) for i in requested], "list": lead_list.pk, "user": lead_list.user_id},
        )
        added_ids = set(cursor.fetchone()[0])
    ignored = [lead_id for lead_id in requested if lead_id not in added_ids]
    return LeadListChange(lead_list=_refreshed(lead_list), added=len(added_ids), ignored_ids=ignored)


@transaction.atomic
def lead_list_remove_leads(*, lead_list: LeadList, lead_ids: Iterable) -> LeadListChange:
    """Remove ids from the list, keeping the order of the rest. Ids not in the list (which covers
    every lead that is not the owner's) come back in ``ignored_ids``. One UPDATE."""
    requested = _unique_in_order(lead_ids)
    if not requested:
        return LeadListChange(lead_list=lead_list)
    _lock(lead_list)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH requested AS (
                SELECT DISTINCT unnest(%(ids)s::uuid[]) AS id
            ), members AS (
                SELECT m.id, m.position
                  FROM leads_leadlist list, unnest(list.lead_ids) WITH ORDINALITY AS m(id, position)
                 WHERE list.id = %(list)s
            )
            UPDATE leads_leadlist
               SET lead_ids = ARRAY(
                       SELECT members.id FROM members
                        WHERE NOT EXISTS (SELECT 1 FROM requested r WHERE r.id = members.id)
                        ORDER BY members.position),
                   updated_at = now()
             WHERE id = %(list)s
            RETURNING ARRAY(SELECT members.id FROM members JOIN requested USING (id))
            """,
            {"ids": [str(i) for i in requested], "list": lead_list.pk},
        )
        removed_ids = set(cursor.fetchone()[0])
    ignored = [lead_id for lead_id in requested if lead_id not in removed_ids]
    return LeadListChange(lead_list=_refreshed(lead_list), removed=len(removed_ids), ignored_ids=ignored)


@transaction.atomic
def lead_list_create(*, user, name: str, description: str = "", lead_ids: Iterable = ()) -> LeadListChange:
    """A new list, optionally filled at once with the same rules as add-leads."""
    lead_list = LeadList.objects.create(user=user, name=name, description=description)
    return lead_list_add_leads(lead_list=lead_list, lead_ids=lead_ids)


# --- leads from the SalesOne DB (called by salesone_leads through its leads_seam) ------------------

# What an import copies from a SalesOne DB company into the user's Lead (finance_revenue → revenue).
_COPIED_FIELDS = [
    "corporation_number",
    "business_number",
    "name",
    "owner",
    "email",
    "phone",
    "homepage",
    "employee",
    "finance_revenue",
    "address",
    "si_nm",
    "sgg_nm",
    "established_date",
    "industry_id",
]


def leads_lock_user_imports(user) -> None:
    """Imports of one user run one at a time (two at once would race on the per-user unique numbers);
    held until the caller's transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"salesone_import:{user.pk}"])


def leads_create_from_salesone(*, user, corporation_numbers: list[str]) -> ImportOutcome:
    """Create the user's leads for these SalesOne DB companies (in a transaction the caller holds).

    A company the user already holds, by corporation number or by business number (both unique per
    user), is skipped and its lead id reported; a number the DB lacks counts as not found."""
    leads_lock_user_imports(user)
    held = dict(
        Lead.objects.filter(user=user, corporation_number__in=corporation_numbers).values_list(
            "corporation_number", "id"
        )
    )
    companies = {
        row["corporation_number"]: row
        for row in SalesOneLead.objects.filter(corporation_number__in=corporation_numbers)
        .exclude(corporation_number__in=list(held))
        .values(*_COPIED_FIELDS)
    }
    held_business = dict(
        Lead.objects.filter(
            user=user, business_number__in=[c["business_number"] for c in companies.values() if c["business_number"]]
        ).values_list("business_number", "id")
    )
    outcome = ImportOutcome()
    new_leads: list[Lead] = []
    for number in corporation_numbers:
        if number in held:
            outcome.skipped += 1
            outcome.lead_ids.append(held[number])
            continue
        company = companies.get(number)
        if company is None:
            outcome.not_found += 1
            continue
        business_number = company["business_number"] or ""
        if business_number and business_number in held_business:
            # The user holds this business under another (or no) corporation number.
            outcome.skipped += 1
            outcome.lead_ids.append(held_business[business_number])
            continue
        lead = Lead(
            id=uuid.uuid4(),
            user=user,
            corporation_number=number,
            business_number=business_number,
            name=company["name"],
            owner=company["owner"] or "",
            email=company["email"] or "",
            phone=company["phone"] or "",
            homepage=company["homepage"] or [],
            employee=company["employee"],
            revenue=company["finance_revenue"],
            address=company["address"] or "",
            si_nm=company["si_nm"] or "",
            sgg_nm=company["sgg_nm"] or "",
            established_date=company["established_date"],
            industry_id=company["industry_id"],
        )
        if business_number:
            held_business[business_number] = lead.id
        new_leads.append(lead)
        outcome.lead_ids.append(lead.id)
    Lead.objects.bulk_create(new_leads, batch_size=2000)
    send_leads_created(user_id=user.pk, lead_ids=[lead.id for lead in new_leads])
    outcome.created = len(new_leads)
    return outcome


def leads_create_many(*, user, leads: list[Lead]) -> list[Lead]:
    """Write prepared leads of ``user`` in one statement per 2,000 (a file import: the caller has
    checked them and holds ``leads_lock_user_imports``); enrichment hears of them on commit."""
    for lead in leads:
        lead.user = user
    created = Lead.objects.bulk_create(leads, batch_size=2000)
    send_leads_created(user_id=user.pk, lead_ids=[lead.pk for lead in created])
    return created
