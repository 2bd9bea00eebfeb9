"""A member of staff who is not a superuser sees, picks and changes only their own objects in the admin,
and never edits what the system writes (status counters, claim timestamps, provider ids, secrets)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Campaign
from apps.campaigns.tests.factories import CampaignFactory, CampaignTemplateFactory
from apps.clients.tests.factories import ClientFactory
from apps.leads.tests.factories import LeadListFactory
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory
from apps.workflows.tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True)
    apps = ["campaigns", "leads", "tasks", "clients", "workflows", "accounts"]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=apps))
    return User.objects.get(pk=user.pk)  # without the permission cache


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def others(db):
    """Another user's template, lead list, campaign, client, workflow and task."""
    owner = UserFactory()
    template = CampaignTemplateFactory(user=owner, name="남의 템플릿")
    return {
        "user": owner,
        "template": template,
        "lead_list": LeadListFactory(user=owner, name="남의 목록"),
        "campaign": CampaignFactory(user=owner, template=template, name="남의 캠페인"),
        "client": ClientFactory(user=owner, name="남의 고객사"),
        "workflow": WorkflowFactory(user=owner, name="남의 워크플로"),
        "task": TaskFactory(created_by=owner, assignee=owner, name="남의 업무"),
    }


def campaign_form(staff, template, lead_lists=(), **extra):
    data = {
        "name": "봄 신상품 안내",
        "user": staff.pk,
        "template": template.pk,
        "leadlists": [lead_list.pk for lead_list in lead_lists],
        "is_advertising": "on",
        "track_opens": "on",
        "track_clicks": "on",
        "results-TOTAL_FORMS": "0",
        "results-INITIAL_FORMS": "0",
        "results-MIN_NUM_FORMS": "0",
        "results-MAX_NUM_FORMS": "1000",
        **extra,
    }
    return data


def test_campaign_form_offers_only_own_template_and_lead_lists(staff_client, staff, others):
    own_template = CampaignTemplateFactory(user=staff, name="내 템플릿")
    own_list = LeadListFactory(user=staff, name="내 목록")

    form = staff_client.get(reverse("admin:campaigns_campaign_add")).context["adminform"].form

    assert list(form.fields["template"].queryset) == [own_template]
    assert list(form.fields["leadlists"].queryset) == [own_list]
    assert list(form.fields["user"].queryset) == [staff]


def test_posting_another_users_template_or_list_is_refused(staff_client, staff, others):
    own_template = CampaignTemplateFactory(user=staff)

    response = staff_client.post(
        reverse("admin:campaigns_campaign_add"), campaign_form(staff, others["template"], [others["lead_list"]])
    )
    assert response.status_code == 200  # the form again
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"template", "leadlists"}

    response = staff_client.post(reverse("admin:campaigns_campaign_add"), campaign_form(others["user"], own_template))
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"user"}
    assert not Campaign.objects.filter(name="봄 신상품 안내").exists()


def test_staff_list_and_open_only_their_own_campaigns(staff_client, staff, others):
    own = CampaignFactory(user=staff, name="내 캠페인")

    listing = staff_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()

    assert "내 캠페인" in listing and "남의 캠페인" not in listing
    assert staff_client.get(reverse("admin:campaigns_campaign_change", args=[own.pk])).status_code == 200
    other = staff_client.get(reverse("admin:campaigns_campaign_change", args=[others["campaign"].pk]))
    assert other.status_code == 302  # "does not exist", back to the admin index


def test_superusers_still_see_and_pick_everything(client, others):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = client.get(reverse("admin:campaigns_campaign_add")).context["adminform"].form
    assert others["template"] in form.fields["template"].queryset
    assert others["lead_list"] in form.fields["leadlists"].queryset


def test_task_form_offers_only_own_workflows_and_clients(staff_client, staff, others):
    own_workflow = WorkflowFactory(user=staff, name="내 워크플로")
    own_client = ClientFactory(user=staff, name="내 고객사")

    form = staff_client.get(reverse("admin:tasks_task_add")).context["adminform"].form

    assert list(form.fields["workflow_ids"].queryset) == [own_workflow]
    assert list(form.fields["client"].queryset) == [own_client]

    response = staff_client.post(
        reverse("admin:tasks_task_add"),
        {
            "name": "견적서 보내기",
            "status": Task.Status.NOT_STARTED,
            "assignee": staff.pk,
            "created_by": staff.pk,
            "client": others["client"].pk,
            "workflow_ids": [others["workflow"].pk],
            "workflow_data": "{}",
            "reminders-TOTAL_FORMS": "0",
            "reminders-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"client", "workflow_ids"}

    response = staff_client.post(
        reverse("admin:tasks_task_add"),
        {
            "name": "견적서 보내기",
            "status": Task.Status.NOT_STARTED,
            "assignee": staff.pk,
            "created_by": staff.pk,
            "client": own_client.pk,
            "workflow_ids": [own_workflow.pk],
            "workflow_data": "{}",
            "reminders-TOTAL_FORMS": "0",
            "reminders-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Task.objects.get(name="견적서 보내기").workflow_ids == [own_workflow.pk]


def test_staff_see_tasks_they_created_or_were_given_only(staff_client, staff, others):
    TaskFactory(created_by=others["user"], assignee=staff, name="받은 업무")
    listing = staff_client.get(reverse("admin:tasks_task_changelist")).content.decode()
    assert "받은 업무" in listing and "남의 업무" not in listing


def test_campaign_system_fields_are_not_editable(staff_client, staff):
    campaign = CampaignFactory(user=staff, status=Campaign.Status.DRAFT)
    form = staff_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).context["adminform"].form
    system = {"status", "started_at", "completed_at", "failure_reason", "last_progress_at", "recipients_written_at",
              "unknown_checked_at"}  # fmt: skip
    assert not system & set(form.fields)

    data = campaign_form(staff, campaign.template, status="completed", started_at_0="2026-01-01", name="새 이름")
    response = staff_client.post(reverse("admin:campaigns_campaign_change", args=[campaign.pk]), data)

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status, campaign.started_at) == ("새 이름", Campaign.Status.DRAFT, None)


@pytest.mark.parametrize(
    "model,fields",
    [
        ("campaigns_campaignleadresult", {"status", "claimed_at", "provider_message_id", "chunk", "sent"}),
        ("campaigns_campaignproviderrequest", {"provider_message_id", "chunk"}),
        ("workflows_workflow", {"webhook_secret", "template_key"}),
        ("tasks_task", {"completed_at", "previous_occurrence"}),
    ],
)
def test_other_system_fields_are_read_only(client, model, fields):
    """Even a superuser reads these: they are written by the sender, the engine or the API."""
    from django.contrib import admin
    from django.test import RequestFactory

    superuser = UserFactory(is_staff=True, is_superuser=True)
    app_label, model_name = model.split("_", 1)
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == f"{app_label}.{model_name}")
    request = RequestFactory().get("/")
    request.user = superuser
    assert fields <= set(model_admin.get_readonly_fields(request, obj=None))


def test_staff_cannot_raise_their_own_permissions(staff_client, staff, others):
    form = staff_client.get(reverse("admin:accounts_user_change", args=[staff.pk])).context["adminform"].form
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)
    assert staff_client.get(reverse("admin:accounts_user_change", args=[others["user"].pk])).status_code == 302


def test_a_task_given_to_staff_offers_its_creators_workflows_as_the_api_does(staff_client, staff, others):
    """The API links a task's creator's workflows, whoever edits it: the assignee's form offers those,
    so saving it keeps the creator's links."""
    task = TaskFactory(created_by=others["user"], assignee=staff, workflow_ids=[others["workflow"].pk])
    WorkflowFactory(user=staff, name="내 워크플로")

    form = staff_client.get(reverse("admin:tasks_task_change", args=[task.pk])).context["adminform"].form

    assert list(form.fields["workflow_ids"].queryset) == [others["workflow"]]
    assert form.initial["workflow_ids"] == [others["workflow"].pk]
