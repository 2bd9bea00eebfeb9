"""The Slack Web API client: ``slack_sdk.WebClient`` on ``settings.SLACK_API_BASE_URL`` with
``settings.SLACK_BOT_TOKEN`` and ``settings.SLACK_TIMEOUT``; tests point the base URL at a fake Slack on 127.0.0.1."""

from __future__ import annotations

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

# Errors Slack documents as temporary: retrying later can succeed.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "service_unavailable", "fatal_error", "request_timeout"}


class SlackError(Exception):
    def __init__(self, message: str, *, transient: bool = False, code: str = ""):
        super().__init__(message)
        self.transient = transient
        self.code = code


def get_client() -> WebClient:
    base_url = settings.SLACK_API_BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=settings.SLACK_BOT_TOKEN or None,
        base_url=base_url,
        timeout=settings.SLACK_TIMEOUT,  # seconds, fractions kept (int() made 0.5 a non-blocking 0)
    )


def post_message(*, channel: str, text: str, blocks: list | None = None, thread_ts: str | None = None) -> dict:
    """chat.postMessage; returns {"channel", "ts"}; raises SlackError (``transient`` when worth a retry)."""
    if not settings.SLACK_BOT_TOKEN:
        raise SlackError("Slack is not configured: set SLACK_BOT_TOKEN.", code="not_configured")
    kwargs: dict = {"channel": channel, "text": text}
    if blocks:
        kwargs["blocks"] = blocks
    if thread_ts:
        kwargs["thread_ts"] = thread_ts
    try:
        response = get_client().chat_postMessage(**kwargs)
    except SlackApiError as exc:
        code = str(exc.response.get("error", "")) if exc.response is not None else ""
        status = exc.response.status_code if exc.response is not None else 0
        raise SlackError(
            f"Slack refused chat.postMessage: {code or status}",
            transient=code in TRANSIENT_ERRORS or status == 429 or status >= 500,
            code=code,
        ) from exc
    except (SlackClientError, OSError) as exc:
        raise SlackError(f"Slack is unreachable: {exc}", transient=True) from exc
    return {"channel": response.get("channel", channel), "ts": response.get("ts", "")}
