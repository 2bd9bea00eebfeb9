"""The seam from salesone_leads up to leads: the one module of this app that names apps.leads.

salesone_leads sits below leads (a lead names its Industry, the leads demo imports SalesOne DB
companies), yet an import from the SalesOne DB writes the user's leads and files them in a lead list,
and a search marks the companies the user already holds. Those needs go through the functions here;
each imports apps.leads in its body, so importing salesone_leads never imports leads. The rules
themselves (how a company becomes a lead, a list's invariants) stay in apps.leads.
"""

from __future__ import annotations


def lead_held_by(user):
    """An ``Exists`` for annotating SalesOne DB rows: does ``user`` hold the company as a lead?"""
    from apps.leads.selectors import lead_held_by

    return lead_held_by(user)


def leads_create_from_companies(*, user, corporation_numbers: list[str]):
    """The user's leads for these companies, created in the caller's transaction (an ImportOutcome)."""
    from apps.leads.services import leads_create_from_salesone

    return leads_create_from_salesone(user=user, corporation_numbers=corporation_numbers)


def lead_list_get(*, user, lead_list_id):
    """The user's lead list with this id, or None."""
    from apps.leads.selectors import lead_list_get

    return lead_list_get(user=user, lead_list_id=lead_list_id)


def lead_list_create(*, user, name: str):
    """A new empty lead list of the user's."""
    from apps.leads.services import lead_list_create

    return lead_list_create(user=user, name=name).lead_list


def lead_list_add_leads(*, lead_list, lead_ids) -> None:
    """File the leads in the list (idempotent: members already in it are ignored)."""
    from apps.leads.services import lead_list_add_leads

    lead_list_add_leads(lead_list=lead_list, lead_ids=lead_ids)
