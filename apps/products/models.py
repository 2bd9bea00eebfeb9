"""Products: one catalogue shared by every user; only the creator or staff change an entry."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class Product(BaseModel):
    class PlanType(models.TextChoices):
        ONE_TIME = "일반결제", _("One-time payment")
        WEEKLY = "매주결제", _("Weekly payment")
        MONTHLY = "매월결제", _("Monthly payment")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    plan_type = models.CharField(
        max_length=20, choices=PlanType.choices, default=PlanType.ONE_TIME, verbose_name=_("plan type")
    )
    price = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], verbose_name=_("price")
    )
    currency = models.CharField(max_length=3, default="krw", verbose_name=_("currency"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="products_created",
        verbose_name=_("created by"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["plan_type", "currency"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_plan_type_display()}, {self.price:,.0f} {self.currency})"
