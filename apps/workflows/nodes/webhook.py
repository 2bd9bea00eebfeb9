"""Webhooks: the inbound trigger (``POST /api/workflows/{id}/hooks/{secret}/``) and the outbound call
(method, URL, headers and a templated JSON body; the response's status and body become the output)."""

import json

import requests
from django.conf import settings

from apps.workflows.engine.registry import register_node
from services import safe_http

from .base import Node, NodeCall, NodeError, NodeResult

MAX_RESPONSE_BYTES = 1_000_000


@register_node
class WebhookTriggerNode(Node):
    type = "webhook_trigger"
    label = "Webhook (inbound)"
    description = (
        "Starts the workflow when a JSON body is POSTed to the workflow's hook URL "
        "(/api/workflows/{id}/hooks/{secret}/); the body is the execution's input and this node's output."
    )
    category = "trigger"
    is_trigger = True
    side_effects = False
    time_bounded = True
    data_schema = {"type": "object", "properties": {}}

    def run(self, call: NodeCall) -> NodeResult:
        return NodeResult(output=dict(call.context.input))


@register_node
class WebhookNode(Node):
    type = "webhook"
    label = "Webhook (outbound)"
    description = (
        "Calls an HTTP endpoint with a templated JSON body and an Idempotency-Key header (one per run "
        "and node, the same on retries). Output: the response's status and body. "
        "Private, loopback and link-local addresses are refused unless allowed in settings."
    )
    category = "action"
    default_retries = 2
    lease_seconds = 120
    outside_effect = True
    idempotent_by_key = True
    data_schema = {
        "type": "object",
        "required": ["url"],
        "properties": {
            "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"], "default": "POST"},
            "url": {"type": "string", "minLength": 1, "maxLength": 2000},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"description": "JSON body; every string inside is a template"},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 60, "default": 10},
            "fail_on_error_status": {"type": "boolean", "default": True},
        },
    }

    def run(self, call: NodeCall) -> NodeResult:
        data = call.data
        method = data.get("method", "POST")
        url = str(data["url"])
        headers = {str(k): str(v) for k, v in (data.get("headers") or {}).items()}
        if not any(name.lower() == "idempotency-key" for name in headers):
            # One key per run and node, the same on every retry: a receiver that honours it
            # (the IETF Idempotency-Key draft; Stripe, Toss Payments…) acts once.
            headers["Idempotency-Key"] = call.idempotency_key
        for name, value in headers.items():
            try:
                value.encode("latin-1")
            except UnicodeEncodeError as exc:
                raise NodeError(f"header {name}: HTTP headers carry only Latin-1 text; got {value!r}.") from exc
        kwargs: dict = {"headers": headers, "timeout": float(data.get("timeout", 10)), "stream": True}
        if method != "GET" and "body" in data:
            kwargs["json"] = data["body"]
        try:
            response = safe_http.request(
                method,
                url,
                allowed_hosts=settings.WORKFLOW_WEBHOOK_ALLOWED_HOSTS,
                allowed_hosts_setting="WORKFLOW_WEBHOOK_ALLOWED_HOSTS",
                **kwargs,
            )
        except safe_http.BlockedAddressError as exc:
            raise NodeError(f"refused: {exc}") from exc
        except requests.Timeout as exc:
            raise NodeError(f"{method} {url} timed out after {kwargs['timeout']} s", retryable=True) from exc
        except requests.RequestException as exc:
            raise NodeError(f"{method} {url} failed: {exc}", retryable=True) from exc
        try:
            raw = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        finally:
            response.close()
        truncated = len(raw) > MAX_RESPONSE_BYTES
        text = raw[:MAX_RESPONSE_BYTES].decode(response.encoding or "utf-8", errors="replace")
        try:
            body = json.loads(text) if text and not truncated else text
        except ValueError:
            body = text
        output = {"status": response.status_code, "body": body, "headers": dict(response.headers)}
        if truncated:
            output["truncated"] = True
        if response.status_code >= 400 and data.get("fail_on_error_status", True):
            retryable = response.status_code >= 500 or response.status_code == 429
            raise NodeError(f"{method} {url} answered {response.status_code}", retryable=retryable, output=output)
        return NodeResult(output=output)
