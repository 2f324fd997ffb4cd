from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cuncun.accounts.roles import Role
from cuncun.core.errors import NotAllowed
from cuncun.core.indicators import registry
from cuncun.merchants.queries import merchants_of
from cuncun.plans.progress import evaluate
from cuncun.plans.queries import plan_in_force
from cuncun.portal import queries
from cuncun.portal.homes import home_url
from cuncun.regions import queries as regions

# The figures the home page leads with, if their apps are installed.
HEADLINE_INDICATORS = [
    "township_station_coverage",
    "village_point_coverage",
    "carrier_township_coverage",
]


def home(request):
    root = regions.browse_root(request.user)
    county = root.county() if root else None
    townships = regions.children_with_counts(request.user, root) if root else []
    plan = plan_in_force()
    return render(
        request,
        "portal/home.html",
        {
            "root": root,
            "summary": regions.level_summary(request.user),
            "township_chart": [
                {
                    "name": t.name,
                    "villages": t.administrative_village_count,
                    "communities": t.village_count - t.administrative_village_count,
                }
                for t in townships
                if t.village_count  # state farms and the resort zone have no villages in the tables
            ],
            "plan": plan,
            "headline_targets": plan.targets.exclude(indicator="")[:6] if plan else [],
            "headlines": [
                evaluate(code, county, timezone.localdate())
                for code in HEADLINE_INDICATORS
                if county and registry.get(code)
            ],
        },
    )


@login_required
def start(request):
    """Where the login sends everyone: their own work (portal.homes)."""
    return redirect(home_url(request.user))


@login_required
def console(request):
    """The village operator's console: one big button per job, with what waits for it."""
    sites = queries.console_sites(request.user)
    if not sites:
        raise NotAllowed(_("You do not run a service point that is operating."))
    site = next((s for s in sites if s.code == request.GET.get("site")), sites[0])
    return render(
        request,
        "portal/console.html",
        {"site": site, "sites": sites, "buttons": queries.console_buttons(request.user, site)},
    )


@login_required
def township(request):
    """Township staff's home: what waits for them, each count one tap from its list."""
    if request.user.role != Role.TOWNSHIP_STAFF:
        raise NotAllowed(_("This page is the township staff's."))
    return render(
        request,
        "portal/township.html",
        {"region": request.user.region, "buttons": queries.township_buttons(request.user)},
    )


@login_required
def shop(request):
    """A merchant's home: orders to pack and ship, and the stock that runs low; an account with
    no business yet is shown where to register one."""
    if not merchants_of(request.user).exists():
        return render(request, "portal/shop.html", {"no_business": True})
    return render(
        request,
        "portal/shop.html",
        {
            "buttons": queries.merchant_buttons(request.user),
            "low_stock": queries.low_stock_of(request.user),
        },
    )


# The titles in their own context: Django's admin translates the same words otherwise, and an app
# earlier in INSTALLED_APPS wins for the same message.
def _error_page(request, status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": f"http_{status}", "message": message, "details": {}}, status=status
        )
    return render(request, "portal/error.html", {"title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _error_page(
        request,
        400,
        pgettext("error page", "Bad request"),
        _("The request could not be understood."),
    )


def forbidden(request, exception=None):
    return _error_page(
        request,
        403,
        pgettext("error page", "Not allowed"),
        _("You may not open this page with your account."),
    )


def not_found(request, exception=None):
    return _error_page(
        request,
        404,
        pgettext("error page", "Page not found"),
        _("There is no page at this address."),
    )


def server_error(request):
    return _error_page(
        request,
        500,
        pgettext("error page", "Something went wrong"),
        _("The server could not finish this request. Nothing was changed; please try again."),
    )
