"""gunicorn's logger (installed by gunicorn.conf.py): URL secrets masked (see log_redaction.py), and
with LOG_FORMAT=json (production's default) one JSON object per access line, like every other log line.

gunicorn's master reads no Django settings, so the environment decides: LOG_FORMAT (read when a line is
written: the development settings make it "plain" once Django has loaded in the worker) and
REQUEST_ID_HEADER, the response header that carries the request id (common/request_id.py)."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger

from .log_redaction import RedactSecretsFilter, redact_secrets


class AccessLineFormatter(logging.Formatter):
    """The access line as gunicorn formats it (plain), or a JSON object with its fields: ``time`` (UTC,
    ``Z``), ``level``, ``logger``, ``message`` (the combined-log line), and for the API's lines
    ``request_id``, ``method``, ``path``, ``status``, ``bytes``, ``duration_ms``, ``remote_addr``,
    ``user_agent``, ``referer`` (the stream server's uvicorn lines carry the message alone)."""

    def format(self, record: logging.LogRecord) -> str:
        if os.environ.get("LOG_FORMAT", "json") != "json":
            return super().format(record)
        created = datetime.fromtimestamp(record.created, UTC)
        line = {
            "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "http", {}),
        }
        return json.dumps(line, ensure_ascii=False)


class RedactingGunicornLogger(Logger):
    """Access and error handlers filtered; uvicorn workers log their access lines through the same handlers."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in (*self.access_log.handlers, *self.error_log.handlers):
            if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
                handler.addFilter(RedactSecretsFilter())
        for handler in self.access_log.handlers:
            handler.setFormatter(AccessLineFormatter("%(message)s"))

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        path = environ.get("RAW_URI") or environ.get("PATH_INFO", "")
        header = os.environ.get("REQUEST_ID_HEADER", "X-Request-ID").lower()
        http = {
            "request_id": atoms.get(f"{{{header}}}o", "-"),
            "method": atoms["m"],
            "path": redact_secrets(path),
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(atoms["D"] / 1000, 3),
            "remote_addr": atoms["h"],
            "user_agent": atoms["a"],
            "referer": redact_secrets(atoms["f"]),
        }
        try:
            self.access_log.info(self.cfg.access_log_format, self.atoms_wrapper_class(atoms), extra={"http": http})
        except Exception:
            self.exception("access log line failed")
