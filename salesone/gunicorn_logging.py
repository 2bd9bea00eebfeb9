"""gunicorn's logger with URL secrets masked (installed by gunicorn.conf.py; see log_redaction.py)."""

from __future__ import annotations

from gunicorn.glogging import Logger

from .log_redaction import RedactSecretsFilter


class RedactingGunicornLogger(Logger):
    """Access and error handlers filtered; uvicorn workers log their access lines through the same handlers."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in (*self.access_log.handlers, *self.error_log.handlers):
            if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
                handler.addFilter(RedactSecretsFilter())
