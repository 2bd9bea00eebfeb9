"""Every error answers in one language, the one Accept-Language asks for (Korean or English; Korean, the
LANGUAGE_CODE, without the header), in one shape: {"detail", "code", "fields"}."""

import re

import pytest

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def messages(body: dict) -> list[str]:
    """The detail and every field message of an error body."""
    found = [body["detail"]]
    stack = [body["fields"]]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        else:
            found.append(value)
    return found


BAD_REQUESTS = {
    "validation (DRF's messages)": ("post", "/api/products/", {"price": "abc"}, 400),
    "unknown filter and ordering (ours)": ("get", "/api/products/?colour=red", None, 400),
    "bad ordering (ours)": ("get", "/api/products/?ordering=colour", None, 400),
    "page size (ours)": ("get", "/api/products/?page_size=0", None, 400),
    "malformed JSON (ours)": ("post", "/api/products/", "{bad", 400),
    "unknown object (DRF's)": ("get", "/api/products/00000000-0000-0000-0000-000000000000/", None, 404),
    "unknown URL (ours)": ("get", "/api/no-such-thing/", None, 404),
    "wrong password (an app's own)": (
        "post",
        "/api/auth/login/",
        {"email": "x@example.kr", "password": "wrong-1"},
        401,
    ),
    "opportunity without a name (an app's own)": ("post", "/api/opportunities/", {"name": " "}, 400),
}


def send(client, method, url, body, language=None):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    if body is None:
        return getattr(client, method)(url, **headers)
    if isinstance(body, str):
        return getattr(client, method)(url, body, content_type="application/json", **headers)
    return getattr(client, method)(url, body, format="json", **headers)


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_the_same_bad_request_in_korean_and_in_english(auth_client, case):
    method, url, body, status = BAD_REQUESTS[case]
    korean = send(auth_client, method, url, body, "ko-KR,ko;q=0.9,en;q=0.5")
    english = send(auth_client, method, url, body, "en-US,en;q=0.9")

    assert korean.status_code == english.status_code == status
    ko, en = korean.json(), english.json()
    assert set(ko) == set(en) == {"detail", "code", "fields"}
    assert ko["code"] == en["code"] and ko["fields"].keys() == en["fields"].keys()
    assert all(HANGUL.search(message) for message in messages(ko)), ko
    assert not any(HANGUL.search(message) for message in messages(en)), en
    assert korean["Content-Language"] == "ko" and english["Content-Language"] == "en"


def test_without_accept_language_errors_are_in_the_default_language(auth_client):
    body = auth_client.get("/api/products/?colour=red").json()
    assert body == {
        "detail": "유효하지 않은 입력입니다.",
        "code": "invalid",
        "fields": {"colour": [body["fields"]["colour"][0]]},
    }
    assert body["fields"]["colour"][0].startswith("알 수 없는 매개변수입니다. 이 목록이 받는 매개변수: ")


def test_an_unauthenticated_request_gets_a_code_too(api_client):
    body = api_client.get("/api/products/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "fields": {},
    }


def test_a_plain_views_json_error_gets_the_same_shape(api_client):
    # The webhook views answer with a JsonResponse of their own, outside DRF's handler.
    response = api_client.post("/api/webhooks/mailgun/", "{}", content_type="application/json")
    assert response.status_code >= 400
    assert {"detail", "code", "fields"} <= set(response.json())


def _task_without_workflows(user):
    from apps.tasks.tests.factories import TaskFactory

    return TaskFactory(created_by=user)


def _campaign(user):
    from apps.campaigns.tests.factories import CampaignFactory

    return CampaignFactory(user=user)


def _client(user):
    from apps.clients.tests.factories import ClientFactory

    return ClientFactory(user=user)


def _inactive_workflow(user):
    from apps.workflows.tests.factories import WorkflowFactory

    # An ASCII name: the name is the user's text, quoted in the message in either language.
    return WorkflowFactory(user=user, name="Follow-up", is_active=False)


DUPLICATE_NODES = [
    {"id": "a", "type": "transform", "data": {}, "position": {"x": 0, "y": 0}},
    {"id": "a", "type": "transform", "data": {}, "position": {"x": 0, "y": 0}},
]

# One bad request per app (issue 19): a representative validation error, and a conflict where the app has one.
# Each builds what it needs for the requesting user and returns (method, url, body, status).
APP_BAD_REQUESTS = {
    "leads: bad corporation number": lambda user: (
        "post",
        "/api/leads/",
        {"name": "(주)테스트", "corporation_number": "12"},
        400,
    ),
    "clients: a cursor the list did not give": lambda user: (
        "get",
        f"/api/clients/clients/{_client(user).pk}/emails/?cursor=not-a-cursor",
        None,
        400,
    ),
    "clients: a client without a name": lambda user: ("post", "/api/clients/clients/", {"name": " "}, 400),
    "tasks: a repetitive task without interval or due date": lambda user: (
        "post",
        "/api/tasks/",
        {"name": "세금계산서 발행", "is_repetitive": True, "due_date": None},
        400,
    ),
    "tasks: running the workflows of a task without any (conflict)": lambda user: (
        "post",
        f"/api/tasks/{_task_without_workflows(user).pk}/execute-workflow/",
        None,
        409,
    ),
    "workflows: a graph with a duplicate node id": lambda user: (
        "post",
        "/api/workflows/",
        {"name": "Follow-up", "nodes": DUPLICATE_NODES, "edges": []},
        400,
    ),
    "workflows: executing an inactive workflow (conflict)": lambda user: (
        "post",
        f"/api/workflows/{_inactive_workflow(user).pk}/execute/",
        {"input_data": {}},
        409,
    ),
    "salesone_leads: an import with neither numbers nor filters": lambda user: (
        "post",
        "/api/salesone-leads/import/",
        {},
        400,
    ),
    "salesone_leads: a revenue range upside down": lambda user: (
        "get",
        "/api/salesone-leads/?revenue_min=10&revenue_max=1",
        None,
        400,
    ),
    "campaigns: a sending window with one end": lambda user: (
        "patch",
        f"/api/campaigns/{_campaign(user).pk}/",
        {"send_window_start": "09:00"},
        400,
    ),
    "campaigns: re-sending unknown outcomes without confirming (the warning)": lambda user: (
        "post",
        f"/api/campaigns/{_campaign(user).pk}/resend-unknown/",
        {},
        400,
    ),
    "campaigns: pausing a draft campaign (conflict)": lambda user: (
        "post",
        f"/api/campaigns/{_campaign(user).pk}/pause/",
        None,
        409,
    ),
    "tracking: totals without a campaign id": lambda user: ("get", "/api/tracking/events/totals/", None, 400),
    "deliverability: a spam check with nothing to check": lambda user: (
        "post",
        "/api/deliverability/spam-check/",
        {},
        400,
    ),
}


@pytest.mark.parametrize("case", APP_BAD_REQUESTS)
def test_each_apps_bad_request_answers_in_one_language(auth_client, user, case):
    method, url, body, status = APP_BAD_REQUESTS[case](user)
    korean = send(auth_client, method, url, body, "ko")
    english = send(auth_client, method, url, body, "en")

    assert korean.status_code == english.status_code == status, (korean.json(), english.json())
    ko, en = korean.json(), english.json()
    assert ko["code"] == en["code"] and ko["fields"].keys() == en["fields"].keys()
    assert all(HANGUL.search(message) for message in messages(ko)), ko
    assert not any(HANGUL.search(message) for message in messages(en)), en


def test_an_error_made_from_djangos_own_page_varies_by_language(api_client):
    """Django's 404 for an unknown route becomes our JSON: a cache must keep one per language."""
    korean = api_client.get("/api/no-such-route/", HTTP_ACCEPT_LANGUAGE="ko")
    english = api_client.get("/api/no-such-route/", HTTP_ACCEPT_LANGUAGE="en")

    assert korean.status_code == english.status_code == 404
    assert korean.json()["detail"] != english.json()["detail"]
    assert "Accept-Language" in korean.headers["Vary"] and "Accept-Language" in english.headers["Vary"]
