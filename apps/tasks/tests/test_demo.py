import io

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.clients import demo as clients_demo
from apps.tasks import demo
from apps.tasks.models import Task
from apps.tasks.selectors import client_tasks
from apps.workflows.tests.factories import WorkflowFactory
from common.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_links_the_invoice_workflow():
    ctx = DemoContext(user=UserFactory(), stdout=io.StringIO())
    clients_demo.seed(ctx)
    workflow = WorkflowFactory(user=ctx.user, name="세금계산서 자동 발행")
    ctx.shared["workflows"] = {"tax_invoice": workflow}  # what the workflows demo, seeded before, hands over

    demo.seed(ctx)
    demo.seed(ctx)

    tasks = Task.objects.filter(created_by=ctx.user)
    assert sorted(tasks.values_list("name", flat=True)) == [
        "계약서 검토",
        "비즈보드 소재 교체 요청 회신",
        "세금계산서 발행",
        "월간 리뷰 미팅",
    ]
    invoice = tasks.get(name="세금계산서 발행")
    assert invoice.is_repetitive and invoice.repetition_interval == 30
    assert invoice.workflow_ids == [workflow.pk]
    assert invoice.workflow_data[str(workflow.pk)]["amount"] == 123000
    zero = client_tasks(client=ctx.shared["clients"]["제로커뮤니케이션(주)"]).summary
    assert (zero["total_tasks"], zero["completed_tasks"], zero["workflow_bound_tasks"]) == (3, 1, 1)
    assert client_tasks(client=ctx.shared["clients"]["넥스트커머스(주)"]).summary["overdue_tasks"] == 1
