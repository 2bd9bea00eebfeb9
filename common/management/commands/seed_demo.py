"""Loads idempotent demo data for every app and prints how to log in.

common/ imports no app: the user model comes from get_user_model(), and each app's demo module is
found through the app registry (common/demo.py's seed_all), so a new app adds its demo.py and
nothing here changes.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from common.demo import DemoContext, seed_all

DEMO_EMAIL = "demo@salesone.kr"


class Command(BaseCommand):
    help = "Create (or refresh) demo data: a staff user and realistic Korean sample data for every app."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for the demo staff user (default: a new random one)")

    def handle(self, *args, **options):
        password = options["password"]
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(
                email=DEMO_EMAIL,
                defaults={"first_name": "영업", "last_name": "김", "is_staff": True, "is_superuser": True},
            )
            if created or password:
                # A second run keeps the password the first one printed (and its sessions).
                password = password or secrets.token_urlsafe(9)
                user.set_password(password)
            user.is_staff = user.is_superuser = user.is_active = True
            user.save()
            failed = seed_all(DemoContext(user=user, stdout=self.stdout))
        if failed:
            # Reported, not raised: `make run` and docker compose start the server all the same.
            self.stdout.write(self.style.WARNING(f"Demo data incomplete: {', '.join(failed)} failed (see the log)."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data ready."))
        shown = password or "the password printed when it was created (seed_demo --password P sets a new one)"
        self.stdout.write(f"Staff login (API and /admin/): {DEMO_EMAIL} / {shown}")
