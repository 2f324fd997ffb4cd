"""Reads of merchants, always from what the actor may see, flags computed in the same query."""

from django.db.models import Count, Prefetch, Q

from cuncun.core.errors import NotFound
from cuncun.merchants.models import (
    Merchant,
    MerchantPlatformShop,
    SupportRequest,
    Tenancy,
    TenantService,
)


def visible_merchants(user):
    """Merchants in the actor's area (staff), or the active ones (the public), with what a list
    shows: division, flags and outside shops, in a fixed number of queries."""
    return (
        Merchant.objects.visible_to(user)
        .with_flags()
        .select_related("region", "region__parent")
        .prefetch_related(
            Prefetch("platform_shops", queryset=MerchantPlatformShop.objects.order_by("platform"))
        )
    )


def merchant_list(user, *, kind: str = "", q: str = "", flag: str = ""):
    merchants = visible_merchants(user)
    if kind:
        merchants = merchants.filter(kind=kind)
    if q:
        merchants = merchants.filter(Q(name__icontains=q) | Q(region__name__icontains=q))
    if flag == "poverty":
        merchants = merchants.filter(is_poverty_registered=True)
    elif flag == "poor_village":
        merchants = merchants.filter(poor_village_flag=True)
    elif flag == "incubated":
        merchants = merchants.filter(is_incubated=True)
    elif flag == "park":
        merchants = merchants.filter(is_park_tenant=True)
    elif flag == "platform":
        merchants = merchants.filter(platform_shops__isnull=False).distinct()
    return merchants.order_by("region__path", "name")


def visible_merchant(user, pk: int) -> Merchant:
    merchant = (
        visible_merchants(user).select_related("owner", "represented_by").filter(pk=pk).first()
    )
    if merchant is None:
        raise NotFound(details={"merchant": pk})
    return merchant


def merchants_of(user):
    """The merchants a user sells for (their own, or those they represent as an operator)."""
    return (
        Merchant.objects.acted_for_by(user).with_flags().select_related("region").order_by("name")
    )


def summary(user) -> dict:
    """Counts for the county office's report: by kind and by flag."""
    merchants = Merchant.objects.visible_to(user).with_flags()
    totals = merchants.aggregate(
        total=Count("id"),
        poverty=Count("id", filter=Q(is_poverty_registered=True)),
        poor_village=Count("id", filter=Q(poor_village_flag=True)),
        incubated=Count("id", filter=Q(is_incubated=True)),
        park=Count("id", filter=Q(is_park_tenant=True)),
    )
    by_kind = dict(merchants.values_list("kind").annotate(n=Count("id")).order_by())
    platforms = dict(
        MerchantPlatformShop.objects.filter(merchant__in=merchants.values("pk"))
        .values_list("platform")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {**totals, "by_kind": by_kind, "by_platform": platforms}


def incubator_tenancies():
    """The incubation center's and the parks' tenants, with the services delivered to each and
    the count of each kind of service (the center's work), in three queries."""
    return (
        Tenancy.objects.select_related("site", "merchant__region")
        .prefetch_related(
            Prefetch("services", queryset=TenantService.objects.order_by("-delivered_on"))
        )
        .order_by("site__name", "stage", "lease_from")
    )


def tenant_service_totals() -> dict[str, int]:
    return dict(TenantService.objects.values_list("kind").annotate(n=Count("id")))


def support_requests():
    """The center's and the parks' requests for support, newest first."""
    return SupportRequest.objects.select_related("site")
