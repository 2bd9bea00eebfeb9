"""An LLM API that cannot be reached fails after LLM_CONNECT_TIMEOUT, not after the (long) read timeout;
the lead then gets the rule-based text (personalisation never stops a send)."""

import time

import pytest

from services.llm import LeadProfile
from services.llm.openai_compatible import LLMError, OpenAICompatibleBackend


def test_unreachable_api_gives_up_at_the_connect_timeout(settings, unanswered_port):
    settings.LLM_CONNECT_TIMEOUT = 0.5
    settings.LLM_TIMEOUT = 30  # a completion may take long once connected; reaching the API may not
    settings.LLM_MAX_RETRIES = 0
    backend = OpenAICompatibleBackend(base_url=f"http://127.0.0.1:{unanswered_port}/v1", api_key="sk-test")
    started = time.monotonic()
    with pytest.raises(LLMError, match="request failed"):
        backend.complete(LeadProfile(name="(주)넥스파", owner="강윤구", industry="제조업", goods=[]))
    assert 0.4 < time.monotonic() - started < 5
