"""Demo workflows: the shipped 세금계산서 발행 and 웹사이트 문의 접수 templates, active, and a task
linked to the tax-invoice workflow with SPEC.md's workflow data. Idempotent."""

import datetime

from django.utils import timezone

from .models import Workflow
from .templates_catalog import template_get

DEMO_TEMPLATES = ["tax_invoice", "inbound_lead"]
DEMO_TASK_NAME = "4월 세금계산서 발행 (워크플로)"


def seed(ctx) -> None:
    from apps.clients.models import Client
    from apps.tasks.models import Task

    user = ctx.user
    workflows = {}
    for key in DEMO_TEMPLATES:
        template = template_get(key)
        workflow, _ = Workflow.objects.update_or_create(
            user=user,
            template_key=key,
            defaults={
                "name": template["name"],
                "description": template["description"],
                "nodes": template["nodes"],
                "edges": template["edges"],
                "is_active": True,
            },
        )
        workflows[key] = workflow
    ctx.shared["workflows"] = workflows

    invoice = workflows["tax_invoice"]
    client = Client.objects.filter(user=user, name="제로커뮤니케이션(주)").first()
    # apps.workflows seeds before apps.tasks, so the task is written here, directly.
    Task.objects.update_or_create(
        created_by=user,
        name=DEMO_TASK_NAME,
        defaults={
            "body": "제로커뮤니케이션 4월 세금계산서 발행 — 실행하면 세금계산서 발행 워크플로가 돕니다.",
            "assignee": user,
            "client": client,
            "workflow_ids": [invoice.pk],
            "workflow_data": {str(invoice.pk): template_get("tax_invoice")["sample_input"]},
            "due_date": timezone.localdate() + datetime.timedelta(days=7),
        },
    )
    ctx.say(f"workflows: {len(workflows)} (+ task {DEMO_TASK_NAME!r} linked to {invoice.name})")
