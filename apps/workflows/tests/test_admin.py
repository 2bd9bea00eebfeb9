"""Staff see workflows and executions (with node runs inline, read-only) in the Django admin."""

import pytest

from apps.accounts.tests.factories import UserFactory

from .factories import transform

pytestmark = pytest.mark.django_db


def test_admin_pages(client, run_workflow):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    execution = run_workflow([transform("only_node")])
    assert client.get("/admin/workflows/workflow/").status_code == 200
    assert client.get(f"/admin/workflows/workflow/{execution.workflow_id}/change/").status_code == 200
    page = client.get(f"/admin/workflows/workflowexecution/{execution.pk}/change/")
    assert page.status_code == 200 and b"only_node" in page.content
    assert client.get("/admin/workflows/workflowexecution/add/").status_code == 403
