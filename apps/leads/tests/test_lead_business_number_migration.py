"""The data migration that stores every lead's business number as its 10 digits (leads 0007)."""

import importlib

import pytest
from django.db import connection

from apps.leads.models import Lead

pytestmark = pytest.mark.django_db
NORMALISE = importlib.import_module("apps.leads.migrations.0007_lead_business_number_digits").NORMALISE


def stored(user, numbers):
    leads = Lead.objects.bulk_create(Lead(user=user, name=f"리드 {n}") for n in range(len(numbers)))
    with connection.cursor() as cursor:  # as the lead admin once saved them, as typed
        for lead, number in zip(leads, numbers, strict=True):
            cursor.execute("UPDATE leads_lead SET business_number = %s WHERE id = %s", [number, lead.pk])
    return leads


def test_dashes_and_spaces_go_and_anything_else_stays(user):
    leads = stored(user, ["123-45-67890", "220 81 62517", "N/A", "12-34", ""])
    with connection.cursor() as cursor:
        cursor.execute(NORMALISE)
    numbers = [Lead.objects.get(pk=lead.pk).business_number for lead in leads]
    assert numbers == ["1234567890", "2208162517", "N/A", "12-34", ""]


def test_a_number_another_lead_of_the_user_has_is_left_to_the_lead_merge(user, other_user):
    mine = stored(user, ["1234567890", "123-45-67890", "555-55-55555", "555 55 55555"])
    theirs = stored(other_user, ["123-45-67890"])
    with connection.cursor() as cursor:
        cursor.execute(NORMALISE)  # the unique (user, business_number) index holds: no error
    numbers = [Lead.objects.get(pk=lead.pk).business_number for lead in mine]
    assert numbers[:2] == ["1234567890", "123-45-67890"]  # the duplicate stays as it was
    # Two forms of one number: one of them takes the digits, the other stays as it was.
    assert numbers[2:].count("5555555555") == 1 and set(numbers[2:]) - {"5555555555"} < {"555-55-55555", "555 55 55555"}
    assert Lead.objects.get(pk=theirs[0].pk).business_number == "1234567890"  # another user's: its own
