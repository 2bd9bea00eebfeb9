from django.core.management.base import BaseCommand

from apps.deliverability import services


class Command(BaseCommand):
    help = "Check the SPF, DKIM and DMARC records of every sending domain now, and print what to fix."

    def handle(self, *args, **options):
        for sender_domain in services.sender_domains_check_all():
            self.stdout.write(f"{sender_domain.domain}: {sender_domain.status}")
            for line in sender_domain.fixes + sender_domain.warnings:
                self.stdout.write(f"  - {line}")
