"""Reads about users: teams are Django groups, managed by staff in the admin."""

from django.contrib.auth.models import Group


def users_share_a_team(first, second) -> bool:
    """True when both users belong to at least one common group (a user is always on his own team)."""
    if first.pk == second.pk:
        return True
    return Group.objects.filter(user=first).filter(user=second).exists()
