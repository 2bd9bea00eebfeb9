"""Workflow templates shipped with SalesOne; ``POST /api/workflows/templates/{key}/instantiate/`` copies one."""

from __future__ import annotations

import copy


def _node(node_id, node_type, data, x, y):
    return {"id": node_id, "type": node_type, "data": data, "position": {"x": x, "y": y}}


def _edge(source, target, handle=None):
    edge = {"id": f"{source}-{target}", "source": source, "target": target}
    if handle:
        edge["sourceHandle"] = handle
    return edge


TAX_INVOICE = {
    "key": "tax_invoice",
    "name": "세금계산서 발행",
    "description": (
        "고객사 세금계산서 발행 요청: 공급가액·부가세·합계를 계산해 담당자에게 메일로 요청하고, "
        "100만원 이상이면 Slack #billing 채널에 알린 뒤 후속 확인 태스크를 만듭니다."
    ),
    "sample_input": {
        "product": 231,
        "amount": 123000,
        "currency": "krw",
        "company_name": "제로커뮤니케이션(주)",
        "receipt_reciever": "유창해",
        "business_number": "123-45-67890",
        "industry": "상품 종합 도매업",
    },
    "nodes": [
        _node(
            "compute",
            "transform",
            {
                "label": "금액 계산",
                "compute": {
                    "supply_amount": "input.amount | int",
                    "vat": "(input.amount | int) // 10",
                    "total": "(input.amount | int) + (input.amount | int) // 10",
                },
                "set": {"issue_month": "{{ now.strftime('%Y-%m') }}"},
            },
            0,
            0,
        ),
        _node(
            "request_email",
            "email",
            {
                "label": "발행 요청 메일",
                "to": "{{ input.accounting_email | default('accounting@salesone.kr') }}",
                "subject": "[세금계산서 발행 요청] {{ input.company_name }} {{ nodes.compute.output.issue_month }}",
                "body": (
                    "<p>{{ input.company_name }} ({{ input.business_number }}) 세금계산서 발행을 요청드립니다.</p>"
                    "<ul><li>수신자: {{ input.receipt_reciever }}</li>"
                    "<li>업종: {{ input.industry }}</li>"
                    "<li>공급가액: {{ '{:,}'.format(nodes.compute.output.supply_amount) }}원</li>"
                    "<li>부가세: {{ '{:,}'.format(nodes.compute.output.vat) }}원</li>"
                    "<li>합계: {{ '{:,}'.format(nodes.compute.output.total) }}원</li></ul>"
                ),
            },
            300,
            -100,
        ),
        _node(
            "is_large",
            "condition",
            {
                "label": "100만원 이상?",
                "rule": {"value": "{{ nodes.compute.output.total }}", "operator": "gte", "compare": 1000000},
            },
            300,
            100,
        ),
        _node(
            "notify_billing",
            "slack",
            {
                "label": "#billing 알림",
                "channel": "#billing",
                "text": "고액 세금계산서 발행 요청: {{ input.company_name }} {{ nodes.compute.output.total }}원",
            },
            600,
            50,
        ),
        _node(
            "follow_up",
            "create_task",
            {
                "label": "발행 확인 태스크",
                "name": "세금계산서 발행 확인 — {{ input.company_name }}",
                "body": "{{ nodes.compute.output.issue_month }} 세금계산서가 발행되었는지 확인합니다.",
                "due_in_days": 3,
            },
            900,
            0,
        ),
    ],
    "edges": [
        _edge("compute", "request_email"),
        _edge("compute", "is_large"),
        _edge("is_large", "notify_billing", "true"),
        _edge("request_email", "follow_up"),
        _edge("notify_billing", "follow_up"),
        # Slack down or not configured: the follow-up task is still created.
        {
            "id": "notify_billing-follow_up-error",
            "source": "notify_billing",
            "target": "follow_up",
            "sourceHandle": "error",
        },
    ],
}

LEAD_INBOUND = {
    "key": "inbound_lead",
    "name": "웹사이트 문의 접수",
    "description": (
        "웹사이트 문의 폼이 webhook으로 들어오면 담당자에게 메일을 보내고, 연락처가 있으면 "
        "다음 날 연락할 태스크를 만듭니다."
    ),
    "sample_input": {"company_name": "주식회사 넥스파시스템", "name": "서종렬", "email": "contact@example.co.kr"},
    "nodes": [
        _node("hook", "webhook_trigger", {"label": "문의 폼"}, 0, 0),
        _node(
            "notify",
            "email",
            {
                "to": "sales@salesone.kr",
                "subject": "새 문의: {{ input.company_name }}",
                "body": "<p>{{ input.name }} ({{ input.email }})님의 문의가 접수되었습니다.</p>",
            },
            300,
            -80,
        ),
        _node(
            "has_contact",
            "condition",
            {"rule": {"value": "{{ input.email }}", "operator": "is_not_empty"}},
            300,
            80,
        ),
        _node(
            "call_task",
            "create_task",
            {"name": "{{ input.company_name }} 문의 회신", "body": "{{ input.email }}", "due_in_days": 1},
            600,
            80,
        ),
    ],
    "edges": [_edge("hook", "notify"), _edge("hook", "has_contact"), _edge("has_contact", "call_task", "true")],
}

WEBHOOK_TO_SLACK = {
    "key": "webhook_to_slack",
    "name": "Webhook → Slack 알림",
    "description": "외부 시스템이 보낸 이벤트를 Slack 채널에 그대로 알립니다.",
    "sample_input": {"event": "payment.succeeded", "amount": 250000},
    "nodes": [
        _node("hook", "webhook_trigger", {}, 0, 0),
        _node("post", "slack", {"channel": "#alerts", "text": "{{ input.event }}: {{ input | tojson }}"}, 300, 0),
    ],
    "edges": [_edge("hook", "post")],
}

TEMPLATES = {t["key"]: t for t in (TAX_INVOICE, LEAD_INBOUND, WEBHOOK_TO_SLACK)}


def template_get(key: str) -> dict | None:
    template = TEMPLATES.get(key)
    return copy.deepcopy(template) if template else None


def template_list() -> list[dict]:
    return [copy.deepcopy(t) for t in TEMPLATES.values()]
