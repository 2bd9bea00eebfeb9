"""Each statement of the send pipeline is the transition result_states.py declares for it: it moves
rows only from the declared statuses to the declared one, and sets (or clears) the declared
timestamps. A statement edited by hand away from its transition fails here."""

import re

import pytest

from apps.campaigns import email_sender, result_states, services
from apps.campaigns.models import CampaignLeadResult

STATEMENTS = [
    (result_states.CLAIM, email_sender._CLAIM_SQL),
    (result_states.CLAIM, email_sender._CLAIM_CHUNK_SQL),
    (result_states.SETTLE_SENT, email_sender._SETTLE_SENT_SQL),
    (result_states.SETTLE_FAILED, email_sender._SETTLE_FAILED_SQL),
    (result_states.SETTLE_UNKNOWN, email_sender._SETTLE_UNKNOWN_SQL),
    (result_states.RELEASE, email_sender._RELEASE_SQL),
    (result_states.LEASE_EXPIRED, services._UNKNOWN_STALE_SQL),
]


@pytest.mark.parametrize(
    ("transition", "sql"),
    STATEMENTS,
    ids=["claim", "claim_whole_chunk", "settle_sent", "settle_failed", "settle_unknown", "release", "lease_expired"],
)
def test_each_statement_is_its_transition(transition, sql):
    assert f"status IN ({transition.sources_sql})" in sql
    assert re.search(rf"SET status = (CASE .* THEN )?{transition.target_sql}", sql)
    for column in transition.sets:
        assert re.search(rf"\b{column} = (?!NULL)", sql), column
    for column in transition.clears:
        assert f"{column} = NULL" in sql, column


def test_a_requeued_row_is_pending_with_no_claim_and_no_error():
    values = result_states.requeued_values(resolution="resent")
    assert values == {
        "status": CampaignLeadResult.Status.PENDING,
        "error_message": "",
        "retryable": False,
        "claimed_at": None,
        "resolution": "resent",
    }
