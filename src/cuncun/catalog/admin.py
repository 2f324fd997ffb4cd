from django.contrib import admin

from cuncun.catalog.models import Category, Product, Sku, Stock
from cuncun.core.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "parent", "position"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["name", "merchant", "category", "status"]
    list_filter = ["status", "category"]
    search_fields = ["name"]


@admin.register(Sku)
class SkuAdmin(ReadOnlyAdmin):
    list_display = ["code", "product", "name", "unit", "price", "is_active"]
    search_fields = ["code", "product__name"]


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ["sku", "site", "quantity", "quantity_allocated"]
    list_filter = ["site"]
