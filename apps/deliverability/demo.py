"""Demo data: the sending domains of the settings, with their complaint rate computed from the demo
campaigns' events. The DNS check is not run here (it asks real name servers): run
``manage.py check_sender_domains`` or the admin action for that."""

from .services import sender_domains_update_complaint_rates


def seed(ctx) -> None:
    domains = sender_domains_update_complaint_rates()
    ctx.say(f"deliverability: {len(domains)} sending domain(s), complaint rates computed, DNS not checked")
