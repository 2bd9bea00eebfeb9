"""bench_tracking serves what production runs: the Procfile's gunicorn options, the project's WSGI
application, plus one bare route that never enters Django (the floor under the plain Django view)."""

import io
import os
import sys

import pytest

from bench.harness import BARE_WSGI_PATH
from bench.management.commands.bench_tracking import _override, process_group_cpu_seconds, procfile_gunicorn
from bench.wsgi import application


def test_the_server_options_are_the_procfiles_web_process_without_its_address_and_log():
    app, options = procfile_gunicorn("web")
    assert app == "salesone.wsgi:application"
    assert options[options.index("--worker-class") + 1] == "gthread"
    assert "--workers" in options and "--threads" in options
    assert not {"--bind", "--access-logfile"} & set(options)
    assert not any("PORT" in option for option in options)


def test_a_flag_given_on_the_command_line_replaces_the_procfiles():
    options = ["--worker-class", "gthread", "--workers", "2", "--threads", "8"]
    assert _override(options, ("--worker-class", "-k"), "sync") == [
        "--workers",
        "2",
        "--threads",
        "8",
        "--worker-class",
        "sync",
    ]
    assert _override(["-k=gthread", "--threads", "8"], ("--worker-class", "-k"), "sync") == [
        "--threads",
        "8",
        "--worker-class",
        "sync",
    ]
    assert _override(options, ("--threads",), None) == options


def test_a_procfile_process_that_is_not_gunicorn_is_refused():
    from bench.harness import BenchError

    with pytest.raises(BenchError, match="does not run gunicorn"):
        procfile_gunicorn("worker")
    with pytest.raises(BenchError, match="no 'nothing' process"):
        procfile_gunicorn("nothing")


def _call(path: str) -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    body = b"".join(application(environ, start_response))
    return seen["status"], body


@pytest.mark.django_db
def test_the_bare_route_answers_before_django_and_the_rest_is_the_project():
    assert _call(BARE_WSGI_PATH) == ("204 No Content", b"")
    status, body = _call("/api/health/")
    assert status.split()[0] in {"200", "503"} and b"database" in body


def test_the_cpu_of_a_process_group_is_read_from_proc():
    group = os.getpgid(0)
    before = process_group_cpu_seconds(group)
    sum(n * n for n in range(2_000_000))  # burn some CPU in this process
    assert process_group_cpu_seconds(group) > before
    assert process_group_cpu_seconds(2**22 + 7) == 0.0  # no such group
