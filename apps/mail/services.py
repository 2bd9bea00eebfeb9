"""Writes of the mail app: adding an address to the suppression list."""

from __future__ import annotations

from .models import SuppressedAddress


def suppressed_address_add(*, email: str, reason: str, source: str = "", detail: str = "") -> SuppressedAddress:
    """Suppress an address (idempotent: the first reason is kept). Every campaign send consults it."""
    suppressed, _ = SuppressedAddress.objects.get_or_create(
        email=email.strip().lower(), defaults={"reason": reason, "source": source[:100], "detail": detail}
    )
    return suppressed


def suppressed_address_remove(*, email: str) -> bool:
    """Take an address off the suppression list (staff, when the person asked to hear from us again)."""
    deleted, _ = SuppressedAddress.objects.filter(email=email.strip().lower()).delete()
    return bool(deleted)
