"""The webhook node refuses private, loopback and link-local addresses, after DNS resolution,
unless the host is allowed in settings."""

import socket

import pytest

from .factories import node

pytestmark = pytest.mark.django_db


def call(run_workflow, url):
    execution = run_workflow([node("call", "webhook", {"url": url, "retries": 0})])
    return execution, execution.node_runs.get()


def test_loopback_is_refused_and_never_contacted(run_workflow, fake_server):
    server = fake_server()
    execution, run = call(run_workflow, server.url + "/internal")
    assert execution.status == "failed"
    assert run.error.startswith("refused:") and "127.0.0.1" in run.error
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.7/admin",
        "http://192.168.1.1/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_and_link_local_addresses_are_refused(run_workflow, url):
    execution, run = call(run_workflow, url)
    assert execution.status == "failed"
    assert run.error.startswith("refused:")
    assert run.attempt == 1  # not retried: it would never succeed


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:9/",  # a name that resolves to loopback
        "http://10.1:80/",  # short dotted form that resolves to 10.0.0.1 (private)
        "http://2130706433/",  # the integer form of 127.0.0.1
    ],
)
def test_names_that_resolve_to_forbidden_addresses_are_refused(run_workflow, url):
    execution, run = call(run_workflow, url)
    assert execution.status == "failed"
    assert run.error.startswith("refused:") and "resolves to" in run.error


def test_allowed_host_is_reachable(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server()
    execution, _ = call(run_workflow, server.url + "/ok")
    assert execution.status == "completed"
    assert len(server.hits("/ok")) == 1


def test_non_http_scheme_is_refused(run_workflow):
    execution, run = call(run_workflow, "file:///etc/passwd")
    assert execution.status == "failed" and "only http and https" in run.error


@pytest.fixture
def dns(monkeypatch):
    """The resolver's answers for names under .example (no DNS server here answers for them);
    ``dns["name"] = [first answer, later answers...]``, the last one repeating."""
    answers: dict[str, list[str]] = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_name_that_resolves_to_a_private_address_is_refused(run_workflow, dns):
    dns["crm.intranet.example"] = ["10.20.30.40"]
    execution, run = call(run_workflow, "http://crm.intranet.example/api/export")
    assert execution.status == "failed"
    assert run.error.startswith("refused:")
    assert "'crm.intranet.example' resolves to 10.20.30.40" in run.error


def test_dns_rebinding_to_loopback_is_refused_on_connect(run_workflow, fake_server, dns):
    # Public when the URL is checked, loopback when the connection is made.
    server = fake_server()
    dns["rebind.example"] = ["93.184.216.34", "127.0.0.1"]
    execution, run = call(run_workflow, f"http://rebind.example:{server.port}/internal")
    assert execution.status == "failed"
    assert "connected to 127.0.0.1, a forbidden address" in run.error
    assert server.requests == []
