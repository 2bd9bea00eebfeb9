from django.contrib import admin

from .models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "plan_type", "price", "currency", "created_by", "created_at"]
    list_filter = ["plan_type", "currency"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["created_by"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_at", "updated_at"]
