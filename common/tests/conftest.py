import io

import pytest
from django.core.management import call_command
from django.db import transaction

from apps.accounts.models import User


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seed the demo data once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", password="demo-Password-2026", stdout=io.StringIO())
            yield User.objects.get(email="demo@salesone.kr")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
