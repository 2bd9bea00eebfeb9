"""The OpenAI-compatible insights backend against a fake chat-completions API on 127.0.0.1
(testing/fake_llm.py): the request it sends (key, model, JSON answer asked for, only the facts given),
the answer's fields kept to the draft's keys and cut to size, and a clear error for each failure."""

import pytest

from services.llm.insights import (
    InsightRequest,
    InsightsError,
    OpenAICompatibleInsights,
    RuleBasedInsights,
    get_insights_backend,
)
from testing.fake_llm import FakeChatCompletions

REQUEST = InsightRequest(
    subject="lead",
    language="ko",
    facts={"company": "(주)한빛테크", "industry": "소프트웨어 개발", "human_engagement": {"opens": 2}},
    draft={"company": "한빛테크: 소프트웨어 개발.", "next_step": "짧은 후속 메일을 보내세요."},
)


@pytest.fixture
def fake_llm(settings):
    with FakeChatCompletions() as fake:
        settings.LLM_API_BASE_URL = fake.url
        settings.LLM_API_KEY = fake.api_key
        settings.LLM_MODEL = "insights-test-model"
        settings.INSIGHTS_LLM_TIMEOUT = 5.0
        yield fake


def test_the_request_carries_the_key_the_model_and_only_the_facts_given(fake_llm):
    fields = OpenAICompatibleInsights().generate(REQUEST)
    assert fields == {"company": "모델: 한빛테크: 소프트웨어 개발.", "next_step": "모델: 짧은 후속 메일을 보내세요."}
    (sent,) = fake_llm.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == f"Bearer {fake_llm.api_key}"
    body = sent["body"]
    assert body["model"] == "insights-test-model"
    assert body["response_format"] == {"type": "json_object"}
    assert body["max_tokens"] == 600
    assert "Korean" in body["messages"][0]["content"]
    assert fake_llm.prompt_facts() == REQUEST.facts


def test_each_text_is_cut_to_the_field_limit_and_extra_keys_are_dropped(fake_llm, settings):
    settings.INSIGHTS_MAX_FIELD_CHARS = 10
    fake_llm.script = [{"company": "가" * 50, "next_step": "전화하세요", "secret": "ignored"}]
    fields = OpenAICompatibleInsights().generate(REQUEST)
    assert fields == {"company": "가" * 10, "next_step": "전화하세요"}


def test_a_list_field_stays_a_list(fake_llm):
    request = InsightRequest(subject="client", language="en", facts={}, draft={"recommendations": ["Call them"]})
    assert OpenAICompatibleInsights().generate(request) == {"recommendations": ["모델: Call them"]}
    fake_llm.script = [{"recommendations": "not a list"}]
    with pytest.raises(InsightsError, match="recommendations"):
        OpenAICompatibleInsights().generate(request)


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        (500, "HTTP 500"),
        (429, "HTTP 429"),
        ("not_json", "did not answer JSON"),
        ({"company": "only one of the two"}, "'next_step' is missing"),
        ("huge", "over 65536 bytes"),
    ],
)
def test_a_bad_answer_is_an_error_with_its_reason(fake_llm, step, reason):
    fake_llm.script = [step]
    with pytest.raises(InsightsError, match=reason):
        OpenAICompatibleInsights().generate(REQUEST)


def test_a_model_slower_than_the_timeout_is_an_error(fake_llm, settings):
    settings.INSIGHTS_LLM_TIMEOUT = 0.5
    fake_llm.script = ["slow"]
    with pytest.raises(InsightsError, match="timed out"):
        OpenAICompatibleInsights().generate(REQUEST)


def test_an_unreachable_api_is_an_error(settings, closed_port):
    settings.LLM_API_BASE_URL = f"http://127.0.0.1:{closed_port}/v1"
    with pytest.raises(InsightsError, match="request failed"):
        OpenAICompatibleInsights().generate(REQUEST)


def test_the_backend_is_chosen_in_settings_and_rule_based_by_default(settings):
    assert isinstance(get_insights_backend(), RuleBasedInsights)
    assert RuleBasedInsights().generate(REQUEST) == REQUEST.draft
    settings.INSIGHTS_BACKEND = "services.llm.insights.OpenAICompatibleInsights"
    assert isinstance(get_insights_backend(), OpenAICompatibleInsights)
