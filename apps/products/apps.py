"""products: the shared catalogue of what the sales team sells (ad plans, packages)."""

from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "apps.products"
    label = "products"
    verbose_name = "Products"
