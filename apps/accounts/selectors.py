"""Reads about users: teams are Django groups, managed by staff in the admin."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet


def users_share_a_team(first, second) -> bool:
    """True when both users belong to at least one common group (a user is always on his own team)."""
    if first.pk == second.pk:
        return True
    return Group.objects.filter(user=first).filter(user=second).exists()


def users_on_a_team_with(user) -> QuerySet:
    """The user and everyone who shares a team with him: whom his tasks may go to (users_share_a_team)."""
    return get_user_model().objects.filter(Q(pk=user.pk) | Q(groups__in=Group.objects.filter(user=user))).distinct()
