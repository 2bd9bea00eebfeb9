"""Database aliases besides ``default``: the read replica, and the session connection.

The read-replica router: reads of DATABASE_REPLICA_MODELS (the national company database, whose
search is the heaviest read) go to the ``replica`` database when DATABASE_REPLICA_URL configures one.

Everything else, every write, and every read made inside a transaction the code opened stays on the
primary: a transaction reads what it wrote (an import that upserts companies and reads them back),
and a replica may lag. Nothing is migrated on the replica: it is a copy of the primary (streaming
replication), never written by us.

``session`` (DATABASE_SESSION_URL): a connection that keeps one PostgreSQL session across transactions,
for the code that needs one (a session advisory lock, a temporary table used by several transactions:
the campaign recipient writer). Behind a transaction-pooling PgBouncer, point it at a session-mode
pool (or at PostgreSQL itself); without it, such code uses ``default``. The router never picks it.
"""

from django.conf import settings
from django.db import connections

REPLICA = "replica"
SESSION = "session"


def session_database() -> str:
    """The alias of a connection that keeps its PostgreSQL session between transactions."""
    return SESSION if SESSION in connections.settings else "default"


def _in_transaction_of_ours() -> bool:
    """An atomic block is open on the primary (Django's own test-case wrapper does not count: a test
    reads as a request outside any transaction would)."""
    return any(not getattr(block, "_from_testcase", False) for block in connections["default"].atomic_blocks)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if REPLICA not in connections.settings or model._meta.label_lower not in settings.DATABASE_REPLICA_MODELS:
            return None
        if _in_transaction_of_ours():
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db not in (REPLICA, SESSION)  # the replica follows the primary; the session alias is it
