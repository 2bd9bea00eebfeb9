"""Put tracking events that failed on their own (the Redis ``:dead`` list) back on the queue.

    manage.py tracking_requeue_dead

Run it after fixing what made them fail; the next ``ingest_tracking_events`` writes them (idempotently).
"""

from django.core.management.base import BaseCommand

from apps.tracking.services import tracking_dead_requeue


class Command(BaseCommand):
    help = "Move events from the tracking dead list back to the queue."

    def handle(self, *args, **options):
        self.stdout.write(f"{tracking_dead_requeue()} event(s) requeued")
