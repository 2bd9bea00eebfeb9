"""Personalisation through an OpenAI-compatible chat completions API (OpenAI, vLLM, Ollama, ...).

Base URL, model, key and the connect/read timeouts come from settings (LLM_*); an answer is read within
LLM_TIMEOUT in all and PERSONALIZATION_MAX_RESPONSE_BYTES. Each lead is one call, retried on
429/5xx/timeouts with exponential backoff and jitter; a campaign makes at most
PERSONALIZATION_MAX_CALLS_PER_CAMPAIGN calls (counted in Redis across workers). A lead over the cap,
or whose call keeps failing, gets the rule-based text instead: personalisation never stops a send.
"""

from __future__ import annotations

import logging
import random
import time

import requests
from django.conf import settings

from common.parsers import holds_lone_surrogate
from services.email.ratelimit import redis_client

from .base import LeadProfile, PersonalizationBackend
from .chat import AnswerTooLarge, AnswerTooSlow, answer_content, read_answer
from .rule_based import rule_based_text

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "당신은 B2B 영업 이메일의 첫 문단을 쓰는 카피라이터입니다. 받는 회사의 업종, 취급 상품, 키워드를 "
    "바탕으로 정중한 한국어 두 문장을 쓰세요. 과장하거나 사실을 지어내지 마세요."
)


class LLMError(Exception):
    pass


def _text(raw: bytes) -> str:
    """The model's message as text an e-mail and a jsonb value can hold; anything else is an LLMError
    (the lead then gets the rule-based text). A lone surrogate (\\ud800) or a NUL failed the whole
    chunk's send before."""
    try:
        text = answer_content(raw)
    except ValueError as exc:
        raise LLMError(f"unexpected answer: {raw[:300].decode(errors='replace')}") from exc
    if not isinstance(text, str):
        raise LLMError(f"the answer's content is a {type(text).__name__}, not a text")
    if holds_lone_surrogate(text):
        raise LLMError("the answer holds a lone UTF-16 surrogate, which is not text")
    if "\x00" in text:
        raise LLMError("the answer holds a NUL character")
    return text.strip()


class OpenAICompatibleBackend(PersonalizationBackend):
    def __init__(self, *, base_url: str | None = None, api_key: str | None = None, model: str | None = None):
        self.base_url = (base_url or settings.LLM_API_BASE_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else settings.LLM_API_KEY
        self.model = model or settings.LLM_MODEL
        self.timeout = (settings.LLM_CONNECT_TIMEOUT, settings.LLM_TIMEOUT)  # (connect, read)
        self.max_retries = settings.LLM_MAX_RETRIES
        self.session = requests.Session()

    def generate(self, leads: list[LeadProfile], *, campaign_id: str = "", sender: str = "") -> list[str]:
        texts = []
        for lead in leads:
            if not self._take_call(campaign_id):
                texts.append(rule_based_text(lead))
                continue
            try:
                texts.append(self.complete(lead, sender=sender))
            except LLMError as exc:
                logger.warning("LLM personalisation failed, using the rule-based text: %s", exc)
                texts.append(rule_based_text(lead))
        return texts

    def _take_call(self, campaign_id: str) -> bool:
        cap = settings.PERSONALIZATION_MAX_CALLS_PER_CAMPAIGN
        if not campaign_id:
            return True
        key = f"salesone:llm-calls:{campaign_id}"
        client = redis_client()
        used = client.incr(key)
        if used == 1:
            client.expire(key, 30 * 24 * 3600)
        return used <= cap

    def prompt(self, lead: LeadProfile, *, sender: str) -> str:
        return (
            f"회사명: {lead.name}\n대표자: {lead.owner}\n업종: {lead.industry}\n"
            f"취급 상품: {', '.join(lead.goods)}\n키워드: {', '.join(lead.keywords)}\n"
            f"지역: {lead.si_nm} {lead.sgg_nm}\n보내는 사람: {sender}"
        )

    def complete(self, lead: LeadProfile, *, sender: str = "") -> str:
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": self.prompt(lead, sender=sender)},
            ],
            "temperature": 0.7,
            "max_tokens": 300,
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        last_error = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                # Exponential backoff with full jitter: 0.5 s, 1 s, 2 s ... ceilings.
                time.sleep(random.uniform(0, 0.5 * 2 ** (attempt - 1)))
            try:
                response = self.session.post(
                    f"{self.base_url}/chat/completions", json=body, headers=headers, timeout=self.timeout, stream=True
                )
                with response:
                    if response.status_code == 429 or response.status_code >= 500:
                        last_error = f"HTTP {response.status_code}"
                        continue
                    # Within LLM_TIMEOUT in all: each read is bounded too, but a server dripping a byte a
                    # second would otherwise hold the worker's chunk for ever.
                    raw = read_answer(
                        response,
                        limit=settings.PERSONALIZATION_MAX_RESPONSE_BYTES,
                        deadline=time.monotonic() + settings.LLM_TIMEOUT,
                        timeout=settings.LLM_TIMEOUT,
                    )
            except requests.RequestException as exc:  # connecting, or a read timed out
                last_error = f"request failed: {exc}"
                continue
            except AnswerTooSlow as exc:  # retried like a timeout
                last_error = str(exc)
                continue
            except AnswerTooLarge as exc:
                raise LLMError(str(exc)) from None
            if response.status_code != 200:
                raise LLMError(f"HTTP {response.status_code}: {raw[:300].decode(errors='replace')}")
            return _text(raw)
        raise LLMError(f"gave up after {self.max_retries + 1} attempts: {last_error}")
