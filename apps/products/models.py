"""Products: one catalogue shared by every user; only the creator or staff change an entry."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from common.models import BaseModel


class Product(BaseModel):
    class PlanType(models.TextChoices):
        ONE_TIME = "일반결제", "일반결제"
        WEEKLY = "매주결제", "매주결제"
        MONTHLY = "매월결제", "매월결제"

    name = models.CharField(max_length=200)
    plan_type = models.CharField(max_length=20, choices=PlanType.choices, default=PlanType.ONE_TIME)
    price = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="krw")
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="products_created"
    )

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["plan_type", "currency"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_plan_type_display()}, {self.price:,.0f} {self.currency})"
