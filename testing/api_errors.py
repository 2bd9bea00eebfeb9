"""Assertions on the API's error answers, for tests of the paths that produce them."""


def assert_logged_server_error(response, records, *, request_id: str, method: str, path: str) -> None:
    """``response`` is the API's JSON 500 naming ``request_id``, and ``records`` (caplog's) log the
    exception once, by salesone.request with its traceback — never again by django.request."""
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert request_id in response.json()["detail"]
    logged = [(record.name, record.getMessage()) for record in records]
    assert ("salesone.request", f"Unhandled exception on {method} {path}") in logged
    assert not [name for name, _ in logged if name == "django.request"]
