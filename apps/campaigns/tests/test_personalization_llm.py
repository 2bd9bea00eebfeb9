"""The OpenAI-compatible personalisation backend against a fake chat-completions server on 127.0.0.1:
the request the real API would get, retries on 5xx, the timeout, the per-campaign cap on calls, and
the rule-based text whenever the model does not answer (personalisation never stops a send)."""

import json
import time
import uuid

import pytest

from apps.campaigns.models import Campaign
from apps.campaigns.services import campaign_start
from services import llm
from services.llm import LeadProfile
from services.llm.rule_based import rule_based_text
from testing.fake_llm import FakeChatCompletions

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db
BACKEND = "services.llm.openai_compatible.OpenAICompatibleBackend"


class PersonalizationChat(FakeChatCompletions):
    """``POST /v1/chat/completions``: answers from ``script`` (a status or "slow"), then a sentence naming
    the prompt's company."""

    api_key = "sk-test-123"

    def __init__(self):
        super().__init__()
        self.slow_seconds = 2.0

    def content(self, body: dict) -> str:
        company = body["messages"][1]["content"].splitlines()[0].removeprefix("회사명: ")
        return f" {company} 맞춤 문장입니다. "


@pytest.fixture
def fake_llm(settings):
    fake = PersonalizationChat().__enter__()
    settings.PERSONALIZATION_BACKEND = BACKEND
    settings.LLM_API_BASE_URL = fake.url
    settings.LLM_API_KEY = fake.api_key
    settings.LLM_MODEL = "gpt-4o-mini"
    settings.LLM_TIMEOUT = 0.5
    settings.LLM_MAX_RETRIES = 2
    llm._backend.cache_clear()  # the backend reads its settings when first built
    yield fake
    llm._backend.cache_clear()
    fake.__exit__(None, None, None)


PROFILE = LeadProfile(
    name="(주)리퓨어헬스케어", owner="강윤구", industry="건강기능식품 제조업", goods=["임산부 유산균"]
)


def test_request_is_a_chat_completion_with_the_lead_facts(fake_llm):
    [text] = llm.get_personalization_backend().generate([PROFILE], campaign_id=str(uuid.uuid4()), sender="세일즈원")

    assert text == "(주)리퓨어헬스케어 맞춤 문장입니다."
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test-123"
    body = request["body"]
    assert body["model"] == "gpt-4o-mini"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "취급 상품: 임산부 유산균" in body["messages"][1]["content"]
    assert "보내는 사람: 세일즈원" in body["messages"][1]["content"]


def test_server_errors_are_retried_then_answered(fake_llm):
    fake_llm.script = [500, 429]

    [text] = llm.get_personalization_backend().generate([PROFILE], campaign_id=str(uuid.uuid4()))

    assert text == "(주)리퓨어헬스케어 맞춤 문장입니다."
    assert len(fake_llm.requests) == 3


def test_timeouts_use_up_the_retries_then_the_rule_based_text(fake_llm):
    fake_llm.script = ["slow", "slow", "slow"]

    started = time.monotonic()
    [text] = llm.get_personalization_backend().generate([PROFILE], campaign_id=str(uuid.uuid4()))

    assert text == rule_based_text(PROFILE)
    assert len(fake_llm.requests) == 3  # one call and two retries, each cut at the 0.5 s timeout
    assert time.monotonic() - started < 3 * 0.5 + 1.5 + 1.0  # timeouts + the longest backoffs + slack


def test_a_campaign_calls_the_model_at_most_its_cap_then_uses_rules(fake_llm, settings):
    settings.PERSONALIZATION_MAX_CALLS_PER_CAMPAIGN = 2
    profiles = [LeadProfile(name=f"(주)회사{i}", industry="화장품 제조업") for i in range(4)]
    campaign_id = str(uuid.uuid4())
    backend = llm.get_personalization_backend()

    texts = backend.generate(profiles[:3], campaign_id=campaign_id)
    texts += backend.generate(profiles[3:], campaign_id=campaign_id)  # a later chunk shares the cap

    assert texts[:2] == ["(주)회사0 맞춤 문장입니다.", "(주)회사1 맞춤 문장입니다."]
    assert texts[2:] == [rule_based_text(p) for p in profiles[2:]]
    assert len(fake_llm.requests) == 2
    # another campaign has a cap of its own
    assert backend.generate(profiles[:1], campaign_id=str(uuid.uuid4())) == ["(주)회사0 맞춤 문장입니다."]


def test_campaign_e_mails_carry_the_model_text(user, fake_llm, fake_sendgrid, send):
    leads = [LeadFactory(user=user, name=f"(주)건강{i}") for i in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    fake_llm.script = [503]  # the first call fails once, is retried and answered

    send(campaign_start, campaign=campaign)

    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED
    by_address = {m.to: m.html for m in fake_sendgrid.messages}
    for lead in leads:
        assert f"{lead.name} 맞춤 문장입니다." in by_address[lead.email]
        assert campaign.results.get(lead=lead).data == {"llm-generation": f"{lead.name} 맞춤 문장입니다."}


class OddAnswers(PersonalizationChat):
    """Answers a model server should never give, by script step: a lone UTF-16 surrogate in the text,
    an object instead of a text, a NUL character, or an answer of ``huge_bytes``."""

    def _answer(self, step, body: dict) -> tuple[int, bytes]:
        if step == "surrogate":
            return 200, b'{"choices": [{"message": {"content": "\\ud800 \xea\xb0\x80"}}]}'
        if step == "object":
            return 200, json.dumps({"choices": [{"message": {"content": {"text": "hi"}}}]}).encode()
        if step == "nul":
            return 200, json.dumps({"choices": [{"message": {"content": "a\u0000b"}}]}).encode()
        return super()._answer(step, body)


@pytest.fixture
def odd_llm(fake_llm):
    fake = OddAnswers().__enter__()
    llm._backend.cache_clear()
    from django.conf import settings

    settings.LLM_API_BASE_URL = fake.url
    yield fake
    llm._backend.cache_clear()
    fake.__exit__(None, None, None)


@pytest.mark.parametrize("answer", ["surrogate", "object", "nul", "huge"])
def test_an_answer_that_is_not_a_short_text_gets_the_rule_based_one(odd_llm, answer):
    odd_llm.script = [answer]

    [text] = llm.get_personalization_backend().generate([PROFILE], campaign_id=str(uuid.uuid4()))

    assert text == rule_based_text(PROFILE)
    assert len(odd_llm.requests) == 1  # the server answered: nothing to retry


def test_a_campaign_sends_every_e_mail_whatever_the_model_answers(user, odd_llm, fake_sendgrid, send):
    leads = [LeadFactory(user=user, name=f"(주)건강{i}") for i in range(4)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    odd_llm.script = ["surrogate", "object", "nul", "huge"]

    send(campaign_start, campaign=campaign)

    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED
    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads)
    assert all(len(m.html) < 50_000 for m in fake_sendgrid.messages)
