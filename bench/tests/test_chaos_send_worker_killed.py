"""The short chaos check: ``manage.py chaos_send``'s own PostgreSQL and Redis, real workers and the
fake SendGrid; the worker's process group is SIGKILLed twice mid-send, with the re-send setting on.
Every row the kills left unknown that SendGrid did accept is resolved to sent through its Email
Activity log, the others (the worker died before its request left) are sent once more: every lead
holds exactly one e-mail."""

import pytest

from bench.management.commands.chaos_send import run_chaos, table

pytestmark = [pytest.mark.worker]


def test_worker_killed_twice_mid_send_unknown_rows_resolved_through_the_log():
    [result] = run_chaos(
        faults=["worker"],
        say=lambda line: None,
        leads=400,
        latency=0.5,
        chunk_size=20,
        lease=5,
        at=(0.2, 0.6),
        concurrency=2,
        beat_seconds=2,
        settle=10,
        log_lag=1,
        resend=True,
        timeout=180,
    )
    summary = table([result])
    assert len(result.injected_at) == 2, summary
    assert result.injected_at[1] < result.leads, f"the second kill came after the last message\n{summary}"
    assert result.duplicates == 0, summary
    assert result.never_sent == 0, summary
    assert result.unknown > 0, f"the kills left no row unknown: nothing was checked\n{summary}"
    assert result.unknown_delivered > 0, summary
    assert result.resolved_found == result.unknown_delivered, summary
    assert result.unresolved_delivered == 0, summary
    assert result.resent == result.unknown - result.unknown_delivered, summary
    assert result.still_unknown == 0, summary
    assert result.status == "completed", summary
