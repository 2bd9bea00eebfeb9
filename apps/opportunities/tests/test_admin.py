import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.opportunities.models import Opportunity
from apps.opportunities.tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_changelist_search_and_change_page_render(staff_client):
    opportunity = OpportunityFactory(name="대우캐리어 검색광고")
    staff_client.post(
        reverse("admin:opportunities_opportunity_changelist"),
        {"action": "move_to_qualified", "_selected_action": [opportunity.pk]},
    )

    listing = staff_client.get(
        reverse("admin:opportunities_opportunity_changelist"), {"q": "대우", "status": "qualified"}
    )
    assert listing.status_code == 200
    assert "대우캐리어 검색광고" in listing.content.decode()
    change = staff_client.get(reverse("admin:opportunities_opportunity_change", args=[opportunity.pk]))
    assert change.status_code == 200
    assert "검증" in change.content.decode()  # the status-change inline


def test_move_action_records_each_change(staff_client):
    new, won = OpportunityFactory(status="new"), OpportunityFactory(status="won")

    response = staff_client.post(
        reverse("admin:opportunities_opportunity_changelist"),
        {"action": "move_to_won", "_selected_action": [new.pk, won.pk]},
    )

    assert response.status_code == 302
    assert Opportunity.objects.get(pk=new.pk).status == "won"
    assert [(c.from_status, c.to_status) for c in new.status_changes.all()] == [("new", "won")]
    assert won.status_changes.count() == 0


def test_admin_add_records_the_starting_status(staff_client):
    owner = UserFactory()
    response = staff_client.post(
        reverse("admin:opportunities_opportunity_add"),
        {
            "name": "관리자 등록 건",
            "source": "referral",
            "status": "proposal",
            "notes": "",
            "user": owner.pk,
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    opportunity = Opportunity.objects.get(name="관리자 등록 건")
    assert [(c.from_status, c.to_status) for c in opportunity.status_changes.all()] == [("", "proposal")]
