"""Timeouts of outbound calls to Slack and the LLM API (seconds): no worker waits on them forever.

(E-mail providers: EMAIL_HTTP_TIMEOUT in base.py; the LLM read timeout: LLM_TIMEOUT in base.py.)
"""

from ..env import env_float

# slack_sdk's WebClient (urllib) takes one socket timeout: it bounds the connect and each read.
SLACK_TIMEOUT = env_float("SLACK_TIMEOUT", 10.0)
# Reaching the LLM API; LLM_TIMEOUT bounds each read of its answer (a completion takes seconds).
LLM_CONNECT_TIMEOUT = env_float("LLM_CONNECT_TIMEOUT", 5.0)
