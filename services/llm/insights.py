"""Insights backends: short texts about one lead or client of a user, from that user's own data.

settings.INSIGHTS_BACKEND names the class (a dotted path); the rule-based one is the default. The app
builds an ``InsightRequest``: the facts it knows of the subject and its own rule-based answer (the
``draft``, field → text or list of texts). A backend answers the same fields:

- ``RuleBasedInsights`` returns the draft: instant, free, deterministic, so it runs in the request;
- ``OpenAICompatibleInsights`` asks a chat-completions API (OpenAI, vLLM, Ollama ...) to write them
  from the facts and the draft; it runs in a worker (``runs_in_request = False``), never in a request.
  Base URL, key and model are the personalisation's (LLM_*); INSIGHTS_LLM_TIMEOUT bounds the whole call,
  INSIGHTS_MAX_RESPONSE_BYTES the answer read, INSIGHTS_MAX_FIELD_CHARS each text kept. Any failure
  raises ``InsightsError`` with the reason, and the app keeps the rule-based answer.
"""

from __future__ import annotations

import abc
import json
import time
from dataclasses import asdict, dataclass, field

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from common.parsers import JSONLoneSurrogate, loads_bounded

from .chat import AnswerTooLarge, AnswerTooSlow, answer_content, read_answer

LANGUAGES = {"ko": "Korean (한국어)", "en": "English"}
MAX_LIST_ITEMS = 10


@dataclass
class InsightRequest:
    subject: str  # "lead" | "client"
    language: str  # "ko" | "en": the language of the draft and of the answer
    facts: dict = field(default_factory=dict)  # JSON-able: what the user recorded about the subject
    draft: dict = field(default_factory=dict)  # field → str | list[str]: the rule-based answer

    def as_dict(self) -> dict:
        return asdict(self)


class InsightsError(Exception):
    """The backend gave no usable answer; the message is the reason the app records."""


class InsightsBackend(abc.ABC):
    name: str = ""
    # True: cheap and local, the request may call it. False: a worker calls it and the request answers
    # with the rule-based text meanwhile.
    runs_in_request: bool = False

    @abc.abstractmethod
    def generate(self, request: InsightRequest) -> dict:
        """The draft's fields, each a text (or a list of texts where the draft has a list)."""


class RuleBasedInsights(InsightsBackend):
    name = "rule_based"
    runs_in_request = True

    def generate(self, request: InsightRequest) -> dict:
        return dict(request.draft)


SYSTEM_PROMPT = (
    "You help a B2B sales representative in Korea. From the facts about one {subject} of theirs, write "
    "the fields of a JSON object: the same keys as the draft, each value a short plain text (a list of "
    "short texts where the draft has a list). Use only the facts given; invent nothing (no numbers, "
    "names or events that are not in the facts). Write in {language}. At most {chars} characters per "
    "text. Answer with the JSON object only."
)


class OpenAICompatibleInsights(InsightsBackend):
    name = "openai_compatible"
    runs_in_request = False

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None, model: str | None = None):
        self.base_url = (base_url or settings.LLM_API_BASE_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else settings.LLM_API_KEY
        self.model = model or settings.LLM_MODEL
        self.session = requests.Session()

    def messages(self, request: InsightRequest) -> list[dict]:
        """The prompt: the system's rules, then the facts and the draft as JSON (nothing else)."""
        system = SYSTEM_PROMPT.format(
            subject=request.subject,
            language=LANGUAGES.get(request.language, request.language),
            chars=settings.INSIGHTS_MAX_FIELD_CHARS,
        )
        user = json.dumps({"facts": request.facts, "draft": request.draft}, ensure_ascii=False, default=str)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def generate(self, request: InsightRequest) -> dict:
        body = {
            "model": self.model,
            "messages": self.messages(request),
            "temperature": 0.3,
            "max_tokens": settings.INSIGHTS_MAX_TOKENS,
            "response_format": {"type": "json_object"},
        }
        return self._fields(self._content(body), request.draft)

    def _content(self, body: dict) -> str:
        """The model's message, read within INSIGHTS_LLM_TIMEOUT in all and INSIGHTS_MAX_RESPONSE_BYTES."""
        timeout = settings.INSIGHTS_LLM_TIMEOUT
        limit = settings.INSIGHTS_MAX_RESPONSE_BYTES
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        deadline = time.monotonic() + timeout
        try:
            response = self.session.post(
                f"{self.base_url}/chat/completions",
                json=body,
                headers=headers,
                timeout=(min(settings.LLM_CONNECT_TIMEOUT, timeout), timeout),
                stream=True,
            )
            with response:
                if response.status_code != 200:
                    raise InsightsError(f"HTTP {response.status_code} from the LLM API")
                raw = read_answer(response, limit=limit, deadline=deadline, timeout=timeout)
        except (AnswerTooLarge, AnswerTooSlow) as exc:
            raise InsightsError(str(exc)) from None
        except requests.RequestException as exc:
            # A read that times out while streaming arrives as a ConnectionError wrapping urllib3's.
            if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
                raise InsightsError(f"timed out after {timeout:g} s") from exc
            raise InsightsError(f"request failed: {type(exc).__name__}") from exc
        try:
            return answer_content(raw)
        except ValueError as exc:
            raise InsightsError("the answer is not a chat completion") from exc

    @staticmethod
    def _fields(content, draft: dict) -> dict:
        """The draft's keys from the model's JSON, each text trimmed to INSIGHTS_MAX_FIELD_CHARS."""
        text = str(content or "").strip()
        if text.startswith("```"):  # some models fence JSON in markdown despite being asked not to
            text = text.strip("`").removeprefix("json").strip()
        try:
            answer = loads_bounded(text)
        except JSONLoneSurrogate as exc:  # no UTF-8 response (nor jsonb value) can hold it
            raise InsightsError("the model's JSON holds a lone UTF-16 surrogate, which is not text") from exc
        except ValueError as exc:  # not JSON, nested too deep, NaN
            raise InsightsError("the model did not answer JSON") from exc
        if not isinstance(answer, dict):
            raise InsightsError("the model did not answer a JSON object")
        chars = settings.INSIGHTS_MAX_FIELD_CHARS
        fields = {}
        for key, drafted in draft.items():
            value = answer.get(key)
            if isinstance(drafted, list):
                if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                    raise InsightsError(f"{key!r} is missing or not a list of texts")
                fields[key] = [item.strip()[:chars] for item in value if item.strip()][:MAX_LIST_ITEMS]
            else:
                if not isinstance(value, str) or not value.strip():
                    raise InsightsError(f"{key!r} is missing or not a text")
                fields[key] = value.strip()[:chars]
        return fields


def get_insights_backend() -> InsightsBackend:
    """A new instance each time (no network until ``generate``): settings changes take effect at once."""
    return import_string(settings.INSIGHTS_BACKEND)()
