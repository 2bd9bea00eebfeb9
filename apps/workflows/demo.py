"""Demo workflows: the shipped 세금계산서 발행 and 웹사이트 문의 접수 templates, active, a task
linked to the tax-invoice workflow with SPEC.md's workflow data, and one finished run of the inquiry
workflow with its node runs (executed here, in process, by the real executor). Idempotent."""

import datetime

from django.db import transaction
from django.utils import timezone

from apps.clients.models import Client
from apps.tasks.models import Task
from common.demo import demo_get_or_create

from .engine import execution_run_inline
from .models import Workflow, WorkflowExecution
from .services import workflow_execute
from .templates_catalog import template_get

DEMO_TEMPLATES = ["tax_invoice", "inbound_lead"]
DEMO_TASK_NAME = "4월 세금계산서 발행 (워크플로)"


def seed(ctx) -> None:
    user = ctx.user
    workflows = {}
    for key in DEMO_TEMPLATES:
        template = template_get(key)
        workflow, _ = demo_get_or_create(
            Workflow,
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
    # apps.workflows seeds before apps.tasks (INSTALLED_APPS), so this task is written here, directly.
    demo_get_or_create(
        Task,
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

    # One stored run to look at: the inquiry workflow on its sample input (the e-mail goes through
    # the configured providers, the outbox by default; the follow-up task is the demo user's).
    inquiry = workflows["inbound_lead"]
    if not WorkflowExecution.objects.filter(workflow=inquiry).exists():
        with transaction.atomic():
            execution = workflow_execute(
                workflow=inquiry, input_data=template_get("inbound_lead")["sample_input"], queue=False
            )
        execution = execution_run_inline(execution.pk)
        ctx.say(f"workflow execution: {inquiry.name} {execution.status}")
    ctx.say(f"workflows: {len(workflows)} (+ task {DEMO_TASK_NAME!r} linked to {invoice.name})")
