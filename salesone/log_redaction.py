"""Secrets that travel in URLs never reach a log line.

SendGrid Inbound Parse cannot sign its posts, so its URL carries TRACKING_INBOUND_SECRET
(``/api/webhooks/sendgrid/inbound/<secret>/``); EventSource cannot send headers, so the stream token
rides in ``?token=``. Both URLs are what the providers and browsers call, so they stay; what is logged
is masked: gunicorn's access and error logs (salesone/gunicorn_logging.py, which also covers uvicorn's
access log in the stream process) and Django's log handlers (LOGGING in settings/base.py).
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# A path segment after /inbound/ (the inbound secret), and the value of query parameters that carry
# credentials (stream token, API keys, signatures).
_INBOUND_SECRET = re.compile(r"(/inbound/)[^/?#\s\"]+")
_SECRET_PARAMETER = re.compile(
    r"([?&](?:token|access_token|refresh|secret|key|api_key|apikey|signature|sig|password)=)[^&#\s\"]*",
    re.IGNORECASE,
)


def redact_secrets(text: str) -> str:
    if "/inbound/" in text:
        text = _INBOUND_SECRET.sub(rf"\g<1>{REDACTED}", text)
    if "=" in text:
        text = _SECRET_PARAMETER.sub(rf"\g<1>{REDACTED}", text)
    return text


class RedactSecretsFilter(logging.Filter):
    """A handler filter: the formatted message, with URL secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
