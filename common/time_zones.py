"""IANA time zones both Python and PostgreSQL know: what SQL may put after ``AT TIME ZONE`` for a zone
that came from outside (a lead's), since an unknown name there fails the whole statement."""

from __future__ import annotations

import functools
import zoneinfo

from django.db import connection


@functools.cache
def _postgres_zones() -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_timezone_names")  # ~100 ms: read once per process
        return frozenset(row[0] for row in cursor.fetchall())


@functools.cache
def known_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones() & _postgres_zones()))
