"""add-leads / remove-leads on a sequence and on a lead list read the same body: the same bad body is
the same 400, naming lead_ids, on all four."""

import uuid

import pytest

from apps.campaigns.tests.factories import LeadFactory, LeadListFactory
from apps.sequences.tests.factories import sequence_with

pytestmark = pytest.mark.django_db

BAD_BODIES = [
    {},
    {"lead_ids": []},
    {"lead_ids": ["nope"]},
    {"lead_ids": "abc"},
    {"lead_ids": [str(uuid.uuid4()) for _ in range(10001)]},
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=["missing", "empty", "not-a-uuid", "not-a-list", "too-many"])
def test_same_bad_body_same_400_everywhere(auth_client, user, body):
    sequence = sequence_with(user, [LeadFactory(user=user)], steps=[(0, False, [("A", 100)])])
    lead_list = LeadListFactory(user=user)
    answers = [
        auth_client.post(f"/api/{kind}/{pk}/{verb}/", body, format="json")
        for kind, pk in (("sequences", sequence.pk), ("lead-lists", lead_list.pk))
        for verb in ("add-leads", "remove-leads")
    ]

    assert [answer.status_code for answer in answers] == [400] * 4
    fields = [answer.json()["fields"] for answer in answers]
    assert "lead_ids" in fields[0]
    assert all(answer == fields[0] for answer in fields)
