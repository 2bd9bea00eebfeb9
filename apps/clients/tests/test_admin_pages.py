import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.clients.tests.factories import (
    ClientActivityFactory,
    ClientEmailAttachmentFactory,
    ClientFactory,
    ClientFileFactory,
    ClientNoteFactory,
    ClientProductFactory,
)
from apps.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
MODELS = [
    "clients_client",
    "clients_clientnote",
    "clients_clientfile",
    "clients_clientproduct",
    "clients_clientactivity",
    "clients_clientemail",
    "clients_clientemailattachment",
    "tasks_task",
    "tasks_taskreminder",
]


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


@pytest.fixture
def data():
    client = ClientFactory(name="제로커뮤니케이션(주)")
    ClientNoteFactory(client=client)
    ClientFileFactory(client=client)
    ClientProductFactory(client=client)
    ClientActivityFactory(client=client)
    ClientEmailAttachmentFactory(email__client=client)
    TaskFactory(client=client, created_by=client.user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_admin_list_search_and_change_pages_render(staff_client, data, model):
    changelist = reverse(f"admin:{model}_changelist")
    response = staff_client.get(changelist, {"q": "제로"})
    assert response.status_code == 200
    assert staff_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_client_change_page_shows_inlines(staff_client, data):
    response = staff_client.get(reverse("admin:clients_client_change", args=[data.pk]))
    assert response.status_code == 200
    for inline in ("첫 미팅 메모", "계약서.pdf", "네이버 검색 CPC 광고", "서비스 리뷰 미팅"):
        assert inline in response.content.decode()
