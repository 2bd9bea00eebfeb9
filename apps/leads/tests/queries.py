"""Count the SQL statements a block runs.

Django's CaptureQueriesContext reads ``connection.queries``, which a request through the test
client resets at its start (``request_started`` → ``reset_queries``), so around a request it can
report 0. An execute wrapper sees every statement.
"""

import contextlib

from django.db import connection


@contextlib.contextmanager
def count_queries():
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements
