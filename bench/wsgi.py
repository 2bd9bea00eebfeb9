"""The WSGI application ``manage.py bench_tracking`` serves: the project's own (salesone/wsgi.py) plus
one route that never enters Django, ``/bench/bare/`` → 204. With the same gunicorn options it is the
floor under the plain Django view: what the server, the load client and the machine cost alone (one
string comparison is all it adds to the other requests). Never deployed: production runs salesone.wsgi.
"""

from bench.harness import BARE_WSGI_PATH
from salesone.wsgi import application as django_application


def application(environ, start_response):
    if environ.get("PATH_INFO") == BARE_WSGI_PATH:
        start_response("204 No Content", [])
        return []
    return django_application(environ, start_response)
