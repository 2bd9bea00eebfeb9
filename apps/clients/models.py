"""Clients: companies the team already works with."""

from django.conf import settings
from django.db import models

from common.models import BaseModel


class Client(BaseModel):
    name = models.CharField(max_length=200)
    representative_name = models.CharField(max_length=100, blank=True, default="")
    emails = models.JSONField(default=list, blank=True)
    phones = models.JSONField(default=list, blank=True)
    address = models.TextField(blank=True, default="")
    website = models.CharField(max_length=200, blank=True, default="")
    business_number = models.CharField(max_length=12, blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clients")

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name
