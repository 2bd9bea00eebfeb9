"""gunicorn settings of every process (web: WSGI, stream: ASGI). gunicorn reads ./gunicorn.conf.py by
itself when started from the repository root (Procfile, Dockerfile, docker-compose). The address is given
by each command line (the Procfile binds PORT and STREAM_PORT) or, without one, is gunicorn's own 0.0.0.0:$PORT."""

# The inbound secret and the stream token ride in URLs: access and error lines mask them.
logger_class = "salesone.gunicorn_logging.RedactingGunicornLogger"


def post_worker_init(worker):
    """Import what the first request would (every view, serializer and URL pattern), then move all
    those long-lived objects out of the garbage collector's sight (``gc.freeze``). Without it a full
    collection walks the ~190,000 objects of a loaded worker from time to time, and the request it
    lands in waits: 0.4–0.6 s measured on a loaded 2-core machine (issue 18, docs/api-lists.md)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports the URL conf and everything it names
    gc.freeze()
