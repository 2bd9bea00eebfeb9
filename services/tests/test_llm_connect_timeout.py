"""An LLM API that cannot be reached fails at LLM_CONNECT_TIMEOUT, not at the (long) read timeout, and
the lead then gets the rule-based text (personalisation never stops a send). The reason the backend
records names the connect timeout it gave up at: no wall-clock bound, which a loaded machine breaks."""

import logging

import pytest

from services.llm import LeadProfile
from services.llm.openai_compatible import LLMError, OpenAICompatibleBackend
from services.llm.rule_based import rule_based_text

LEAD = LeadProfile(name="(주)넥스파", owner="강윤구", industry="제조업", goods=[])


@pytest.fixture
def unreachable_backend(settings, unanswered_port):
    settings.LLM_CONNECT_TIMEOUT = 0.5
    settings.LLM_TIMEOUT = 30  # a completion may take long once connected; reaching the API may not
    settings.LLM_MAX_RETRIES = 0
    return OpenAICompatibleBackend(base_url=f"http://127.0.0.1:{unanswered_port}/v1", api_key="sk-test")


def test_unreachable_api_gives_up_at_the_connect_timeout(unreachable_backend):
    with pytest.raises(LLMError) as raised:
        unreachable_backend.complete(LEAD)
    reason = str(raised.value)
    assert reason.startswith("gave up after 1 attempts: request failed:")
    assert "ConnectTimeout" in reason and "(connect timeout=0.5)" in reason  # the connect phase, not the read


def test_the_lead_gets_the_rule_based_text_and_the_reason_is_logged(unreachable_backend, caplog):
    with caplog.at_level(logging.WARNING, logger="services.llm.openai_compatible"):
        texts = unreachable_backend.generate([LEAD])
    assert texts == [rule_based_text(LEAD)]
    (record,) = [r for r in caplog.records if r.name == "services.llm.openai_compatible"]
    assert "using the rule-based text" in record.getMessage()
    assert "(connect timeout=0.5)" in record.getMessage()
