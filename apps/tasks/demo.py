"""Demo tasks from SPEC.md: the recurring 세금계산서 발행, 월간 리뷰 미팅 and 계약서 검토. Idempotent."""

import datetime

from django.utils import timezone

from apps.clients.models import Client
from common.demo import demo_get_or_create

from .models import Task


def seed(ctx) -> None:
    user = ctx.user
    today = timezone.localdate()
    clients = ctx.shared.get("clients") or {c.name: c for c in Client.objects.filter(user=user)}
    zero = clients.get("제로커뮤니케이션(주)")
    nextcommerce = clients.get("넥스트커머스(주)")
    # The workflows demo (seeded before this one) hands over its tax-invoice workflow: tasks sit below
    # workflows and never import them.
    workflow = (ctx.shared.get("workflows") or {}).get("tax_invoice")

    workflow_ids, workflow_data = [], {}
    if workflow is not None:
        workflow_ids = [workflow.pk]
        workflow_data = {
            str(workflow.pk): {
                "product": 231,
                "amount": 123000,
                "currency": "krw",
                "company_name": "제로커뮤니케이션(주)",
                "receipt_reciever": "유창해",
                "business_number": "123-45-67890",
                "industry": "상품 종합 도매업",
            }
        }
    due = today + datetime.timedelta(days=14)
    year_end = datetime.date(due.year, 12, 31)
    tasks = [
        (
            "세금계산서 발행",
            zero,
            {
                "body": f"제로커뮤니케이션 {due.month}월 세금계산서 발행",
                "workflow_ids": workflow_ids,
                "workflow_data": workflow_data,
                "due_date": due,
                "status": Task.Status.NOT_STARTED,
                "is_repetitive": True,
                "repetition_interval": 30,
                "repetition_end_date": year_end if year_end >= due else None,
            },
        ),
        (
            "월간 리뷰 미팅",
            zero,
            {
                "body": f"{today.month}월 성과 리뷰 및 다음 달 계획 논의",
                "due_date": today + datetime.timedelta(days=5),
                "status": Task.Status.IN_PROGRESS,
            },
        ),
        (
            "계약서 검토",
            zero,
            {
                "body": "신규 서비스 계약서 검토 및 서명",
                "due_date": today - datetime.timedelta(days=10),
                "status": Task.Status.COMPLETED,
                "completed_at": timezone.now() - datetime.timedelta(days=10),
            },
        ),
        (
            "비즈보드 소재 교체 요청 회신",
            nextcommerce,
            {
                "body": "넥스트커머스 김서연 이사 요청: 배너 소재 3종 교체",
                "due_date": today - datetime.timedelta(days=2),
                "status": Task.Status.NOT_STARTED,
            },
        ),
    ]
    for name, client, fields in tasks:
        demo_get_or_create(
            Task,
            name=name,
            client=client,
            created_by=user,
            previous_occurrence=None,
            defaults={"assignee": user, **fields},
        )
    ctx.say(f"tasks: {len(tasks)}")
