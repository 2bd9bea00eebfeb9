"""Shipped templates (세금계산서 발행 and others) are listed and instantiated by copying."""

import pytest
from django.db import transaction

from apps.mail.models import OutboxMessage
from apps.tasks.models import Task
from apps.workflows.engine import execution_run_inline
from apps.workflows.engine.graph import validate
from apps.workflows.models import Workflow
from apps.workflows.services import workflow_execute
from apps.workflows.templates_catalog import TEMPLATES

from .factories import WorkflowFactory

pytestmark = pytest.mark.django_db


def test_every_shipped_template_is_a_valid_graph():
    for template in TEMPLATES.values():
        assert validate(template["nodes"], template["edges"]) == {}, template["key"]


def test_templates_list_includes_tax_invoice_and_my_own(auth_client, user, other_user):
    WorkflowFactory(user=user, is_template=True, name="내 템플릿")
    WorkflowFactory(user=other_user, is_template=True, name="남의 템플릿")
    response = auth_client.get("/api/workflows/templates/")
    assert response.status_code == 200
    by_name = {t["name"]: t for t in response.json()}
    assert by_name["세금계산서 발행"]["key"] == "tax_invoice" and by_name["세금계산서 발행"]["shipped"] is True
    assert by_name["세금계산서 발행"]["sample_input"]["company_name"] == "제로커뮤니케이션(주)"
    assert "내 템플릿" in by_name and "남의 템플릿" not in by_name


def test_instantiate_copies_the_template(auth_client, user):
    response = auth_client.post(
        "/api/workflows/templates/tax_invoice/instantiate/", {"name": "3월 세금계산서"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "3월 세금계산서" and body["template_key"] == "tax_invoice" and body["is_active"] is False
    workflow = Workflow.objects.get(pk=body["id"])
    assert workflow.user == user and workflow.nodes == TEMPLATES["tax_invoice"]["nodes"]


def test_instantiate_my_own_template(auth_client, user, other_user):
    mine = WorkflowFactory(user=user, is_template=True)
    theirs = WorkflowFactory(user=other_user, is_template=True)
    assert auth_client.post(f"/api/workflows/templates/{mine.pk}/instantiate/", {}, format="json").status_code == 201
    assert auth_client.post(f"/api/workflows/templates/{theirs.pk}/instantiate/", {}, format="json").status_code == 404
    assert auth_client.post("/api/workflows/templates/nope/instantiate/", {}, format="json").status_code == 404


def test_tax_invoice_runs_on_specs_task_example(auth_client, user):
    workflow_id = auth_client.post("/api/workflows/templates/tax_invoice/instantiate/", {}, format="json").json()["id"]
    assert auth_client.post(f"/api/workflows/{workflow_id}/activate/").status_code == 200
    sample = TEMPLATES["tax_invoice"]["sample_input"]
    with transaction.atomic():
        execution = workflow_execute(workflow=Workflow.objects.get(pk=workflow_id), input_data=sample)
    execution = execution_run_inline(execution.pk)
    assert execution.status == "completed", execution.error_message
    runs = {r.node_id: r for r in execution.node_runs.all()}
    assert runs["compute"].output["vat"] == 12300 and runs["compute"].output["total"] == 135300
    assert runs["is_large"].branch == "false" and runs["notify_billing"].status == "skipped"
    mail = OutboxMessage.objects.get()
    assert mail.subject.startswith("[세금계산서 발행 요청] 제로커뮤니케이션(주)")
    assert "135,300원" in mail.html
    follow_up = Task.objects.get(pk=runs["follow_up"].output["task_id"])
    assert follow_up.assignee == user and follow_up.name == "세금계산서 발행 확인 — 제로커뮤니케이션(주)"
