"""gunicorn settings of every process (web: WSGI, stream: ASGI). gunicorn reads ./gunicorn.conf.py by
itself when started from the repository root (Procfile, Dockerfile, docker-compose). The address is given
by each command line (the Procfile binds PORT and STREAM_PORT) or, without one, is gunicorn's own 0.0.0.0:$PORT."""

# The inbound secret and the stream token ride in URLs: access and error lines mask them.
logger_class = "salesone.gunicorn_logging.RedactingGunicornLogger"
