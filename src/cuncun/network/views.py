"""Pages of the service network. Thin: every rule is in services.py, every read in queries.py."""

from datetime import date
from io import BytesIO
from xml.etree import ElementTree

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuncun.core.errors import DomainError, InvalidInput, NotAllowed
from cuncun.core.exports import csv_response, xlsx_file_response, xml_text
from cuncun.core.files import stored_file_response
from cuncun.core.indicators import registry
from cuncun.core.models import ImportStatus
from cuncun.core.pages import carry_out, day_param
from cuncun.network import queries, services
from cuncun.network.forms import (
    AcceptanceForm,
    ApplicationForm,
    CarrierServiceForm,
    CommissionForm,
    FeeForm,
    ImportForm,
    LedgerForm,
    ManagerProfileForm,
    ProfileForm,
    TransitionForm,
)
from cuncun.network.models import CarrierService, Site, SiteStatus, has_console
from cuncun.network.timeline import CoverageTimeline
from cuncun.plans.progress import evaluate
from cuncun.plans.queries import plan_in_force
from cuncun.regions.models import Level, RegionUnit
from cuncun.regions.queries import find_unit

COVERAGE_SERIES = [
    "township_station_coverage",
    "village_point_coverage",
    "poor_village_coverage",
    "carrier_township_coverage",
]


# --- public pages ----------------------------------------------------------------------------


def finder(request):
    """找服务点: by township and village, for villagers and buyers."""
    township = village = None
    if request.GET.get("township"):
        township = find_unit(None, request.GET["township"])
    if request.GET.get("village"):
        village = find_unit(None, request.GET["village"])
    return render(
        request,
        "network/finder.html",
        {
            "townships": RegionUnit.objects.townships()
            .filter(children__isnull=False)
            .distinct()
            .order_by("path"),
            "villages": township.children.order_by("path") if township else [],
            "township": township,
            "village": village,
            "sites": queries.finder(township, village),
        },
    )


def site_page(request, code: str):
    """A site's public page, reached from the QR code on its door sign."""
    site = queries.public_site(code)
    return render(
        request, "network/site.html", {"site": site, "page_url": _site_url(request, site)}
    )


def site_photo(request, pk: int):
    """A site's photo: public while the site serves, else for those who manage it."""
    photo = queries.site_photo_for(request.user, pk)
    return stored_file_response(photo.image, public=photo.site.is_serving)


def _site_url(request, site: Site) -> str:
    return request.build_absolute_uri(reverse("network:site", args=[site.code]))


def site_qr(request, code: str):
    site = queries.public_site(code)
    qr = segno.make(_site_url(request, site), error="m")
    # A file of its own needs the SVG namespace (the inline form leaves it out, and a browser
    # then shows a broken image on the door sign).
    svg = BytesIO()
    qr.save(svg, kind="svg", scale=6, dark="#145c39", xmldecl=False)
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


def site_sign(request, code: str):
    """The printable door sign (门牌) with the site's QR code, under the county and program."""
    site = queries.public_site(code)
    county = site.region.county()
    return render(
        request,
        "network/sign.html",
        {"site": site, "county": county, "plan": plan_in_force(county)},
    )


def coverage(request):
    """三级覆盖: the indicators over time, per township, and the villages still without a point."""
    county = RegionUnit.objects.filter(level=Level.COUNTY).first()
    day = day_param(request.GET.get("on"))
    plan = plan_in_force(county, on=day) if county else None
    months = queries.chart_months(day, plan.ends_on if plan else None)
    timeline = CoverageTimeline.build(county)
    series = {code: [] for code in COVERAGE_SERIES}
    for month in months:
        for code, measurement in timeline.on(month).items():
            series[code].append(measurement.value)
    return render(
        request,
        "network/coverage.html",
        {
            "day": day,
            "county": county,
            "now": {
                code: evaluate(code, county, day)
                for code in [*COVERAGE_SERIES, "carrier_village_point_coverage"]
            },
            "chart": {
                "days": [m.isoformat() for m in months],
                "series": [
                    {
                        "code": code,
                        "name": str(registry.get(code).name),
                        "values": [float(v) if v is not None else None for v in values],
                    }
                    for code, values in series.items()
                ],
            },
            "townships": queries.coverage_by_township(county, day),
            "uncovered": queries.uncovered_villages(county, day),
        },
    )


def daily_report(request):
    """代买/代卖 daily report, as CSV or XML (?day=YYYY-MM-DD&format=csv|xml)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
    _require_console(request.user)
    day = day_param(request.GET.get("day"))
    rows = queries.daily_service_report(request.user, day)
    if request.GET.get("format") == "xml":
        return _report_xml(rows, day)
    return csv_response(
        f"daigou-daishou-{day}.csv",
        REPORT_FIELDS,
        ([row[key] for key in REPORT_FIELDS] for row in rows),
    )


REPORT_FIELDS = [
    "day",
    "site_type",
    "site_code",
    "site_name",
    "category",
    "bought_orders",
    "bought_amount",
    "sold_orders",
    "sold_amount",
]


def _report_xml(rows: list[dict], day: date) -> HttpResponse:
    root = ElementTree.Element("report", {"day": day.isoformat(), "kind": "daigou_daishou"})
    for row in rows:
        item = ElementTree.SubElement(root, "site")
        for key in REPORT_FIELDS:
            ElementTree.SubElement(item, key).text = xml_text(row[key])
    response = HttpResponse(
        ElementTree.tostring(root, encoding="utf-8", xml_declaration=True),
        content_type="application/xml",
    )
    response["Content-Disposition"] = f'attachment; filename="daigou-daishou-{day}.xml"'
    return response


# --- the console ---------------------------------------------------------------------------


def _require_console(user) -> None:
    if not has_console(user):
        raise NotAllowed(
            _("The sites' console is for the county office, township staff and operators.")
        )


@login_required
def manage(request):
    """Sites the user looks after: the county office sees all, township staff their township,
    an operator their own point."""
    _require_console(request.user)
    sites = queries.console_sites(request.user).order_by("region__path", "kind")
    status = request.GET.get("status")
    if status:
        sites = sites.filter(status=status)
    return render(
        request,
        "network/manage.html",
        {
            "sites": sites,
            "status": status,
            "statuses": SiteStatus.choices,
            "import_form": ImportForm(),
            "may_register": services.may_register_sites(request.user),
        },
    )


@login_required
def apply(request):
    form = ApplicationForm(
        request.POST or None,
        regions=queries.division_choices(request.user),
        initial={"region": request.GET.get("region", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            site = services.apply_for_site(
                actor=request.user,
                application=services.SiteApplication(
                    kind=data["kind"],
                    name=data["name"],
                    region=find_unit(request.user, data["region"]),
                    address=data["address"],
                    applied_on=data["applied_on"],
                    host=data["host"],
                    opening_hours=data["opening_hours"],
                    services=tuple(data["services"]),
                    floor_area=data["floor_area"],
                    operator_name=data["operator_name"],
                    operator_phone=data["operator_phone"],
                ),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Application %s recorded.") % site.code)
            return redirect("network:manage_site", pk=site.pk)
    return render(request, "network/apply.html", {"form": form})


@login_required
def manage_site(request, pk: int):
    site = queries.managed_site(request.user, pk)
    user = request.user
    manages = services.manages_site(user, site)
    steps = {
        to: name
        for to, name in services.TRANSITIONS.get(site.status, {}).items()
        if services.may_take(user, name, site.kind, site.region)
    }
    return render(
        request,
        "network/manage_site.html",
        {
            "site": site,
            "may_edit_profile": services.may_take_at(user, "edit_profile", site),
            "may_set_fees": services.may_take_at(user, "set_fee", site),
            "may_record": services.may_take_at(user, "record_service", site),
            "may_set_commission": services.may_take(user, "set_commission", site.kind, site.region),
            "commission_form": CommissionForm(),
            "commission_rates": site.commission_rates.select_related("set_by")[:10],
            "steps": [
                (to, services.STEPS[name], name)
                for to, name in steps.items()
                if to != SiteStatus.ACCEPTED
            ],
            "can_accept": SiteStatus.ACCEPTED in steps,
            "transition_form": TransitionForm(),
            "acceptance_form": AcceptanceForm(),
            "profile_form": (ManagerProfileForm if manages else ProfileForm)(
                initial=_profile(site)
            ),
            "fee_form": FeeForm(),
            "ledger_form": LedgerForm(),
            "ledger": queries.ledger_of(request.user, site),
            "history": site.status_changes.select_related("actor").order_by("-effective_on", "-id"),
        },
    )


def _profile(site: Site) -> dict:
    return {
        f: getattr(site, f)
        for f in [
            "name",
            "address",
            "opening_hours",
            "public_phone",
            "services",
            "pickup_mode",
            "latitude",
            "longitude",
            "handling_minutes",
        ]
    }


def _back(site: Site):
    return redirect("network:manage_site", pk=site.pk)


def _act(request, site: Site, action, success: str):
    carry_out(request, action, success)
    return _back(site)


@login_required
@require_POST
def transition(request, pk: int):
    site = queries.managed_site(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the date and the reason."))
        return _back(site)
    data = form.cleaned_data
    return _act(
        request,
        site,
        lambda: services.change_site_status(
            actor=request.user,
            site=site,
            to_status=data["to_status"],
            effective_on=data["effective_on"],
            reason=data["reason"],
        ),
        _("Status changed."),
    )


@login_required
@require_POST
def acceptance(request, pk: int):
    site = queries.managed_site(request.user, pk)
    form = AcceptanceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Check the date of the acceptance check."))
        return _back(site)
    photos = request.FILES.getlist("photos")
    bad = [p.name for p in photos if not (p.content_type or "").startswith("image/")]
    if bad:
        messages.error(request, _("Only photos can be attached: %s") % ", ".join(bad))
        return _back(site)

    def accept():
        check = services.accept_site(
            actor=request.user,
            site=site,
            checked_on=form.cleaned_data["checked_on"],
            checklist=form.checklist(),
            notes=form.cleaned_data["notes"],
            photos=photos,
        )
        if not check.passed:
            raise InvalidInput(
                _("Not every item passed: the site stays approved until it is checked again.")
            )

    return _act(request, site, accept, _("Acceptance check passed."))


@login_required
@require_POST
def profile(request, pk: int):
    site = queries.managed_site(request.user, pk)
    manages = services.manages_site(request.user, site)
    form = (ManagerProfileForm if manages else ProfileForm)(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the fields of the profile."))
        return _back(site)
    return _act(
        request,
        site,
        lambda: services.update_site_profile(
            actor=request.user, site=site, changes=form.cleaned_data
        ),
        _("Saved."),
    )


@login_required
@require_POST
def fee(request, pk: int):
    site = queries.managed_site(request.user, pk)
    if request.POST.get("remove"):
        return _act(
            request,
            site,
            lambda: services.remove_site_fee(
                actor=request.user, site=site, service=request.POST["remove"]
            ),
            _("Fee removed."),
        )
    form = FeeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the fee."))
        return _back(site)
    return _act(
        request,
        site,
        lambda: services.set_site_fee(actor=request.user, site=site, **form.cleaned_data),
        _("Fee published."),
    )


@login_required
@require_POST
def commission(request, pk: int):
    site = queries.managed_site(request.user, pk)
    form = CommissionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the commission and its reason."))
        return _back(site)
    return _act(
        request,
        site,
        lambda: services.set_commission_rate(actor=request.user, site=site, **form.cleaned_data),
        _("Commission rate set."),
    )


@login_required
@require_POST
def ledger(request, pk: int):
    site = queries.managed_site(request.user, pk)
    form = LedgerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the ledger entry."))
        return _back(site)
    return _act(
        request,
        site,
        lambda: services.record_service(actor=request.user, site=site, **form.cleaned_data),
        _("Recorded in the ledger."),
    )


@login_required
def my_point(request):
    """An operator's way in: straight to the point they run."""
    site = Site.objects.operated_by(request.user).first()
    if site is None:
        messages.error(request, _("You do not run a service point."))
        return redirect("portal:home")
    return redirect("network:manage_site", pk=site.pk)


@login_required
def export_sites(request):
    _require_console(request.user)
    sites = (
        queries.console_sites(request.user)
        .prefetch_related("operators", "status_changes")
        .order_by("code")
    )
    return xlsx_file_response(
        "sites.xlsx", services.export_register(actor=request.user, sites=sites)
    )


@login_required
def import_sites(request):
    """The register's upload: the file goes to the background worker, and the page follows it."""
    _require_console(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.start_site_import(
            actor=request.user,
            file_name=upload.name,
            content=upload.read(),
            good_rows_only=form.cleaned_data["good_rows_only"],
            update_existing=form.cleaned_data["update_existing"],
        )
        return redirect("network:import_job", pk=job.pk)
    return render(
        request,
        "network/import.html",
        {"form": form, "recent": queries.site_imports_of(request.user)[:5]},
    )


@login_required
def import_job(request, pk: int):
    job = queries.site_import(request.user, pk)
    return render(
        request, "network/import.html", {"form": ImportForm(), "job": job, "statuses": ImportStatus}
    )


@login_required
def import_progress(request, pk: int):
    """The fragment the import page polls until the import ends."""
    job = queries.site_import(request.user, pk)
    return render(request, "network/_import_status.html", {"job": job, "statuses": ImportStatus})


@login_required
def carriers(request):
    """快递覆盖: which carriers serve which townships and points, and since when."""
    services.require_carrier_office(request.user)
    if request.method == "POST" and request.POST.get("end"):
        return _end_coverage(request, request.POST["end"])
    form = CarrierServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            site = Site.objects.get(code=data["site"]) if data["site"] else None
            services.start_carrier_service(
                actor=request.user,
                carrier=data["carrier"],
                since=data["since"],
                township=data["township"],
                site=site,
            )
        except Site.DoesNotExist:
            form.add_error("site", _("There is no site %s.") % data["site"])
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Carrier coverage recorded."))
            return redirect("network:carriers")
    return render(
        request,
        "network/carriers.html",
        {"form": form, "coverage": queries.carrier_coverage(timezone.localdate())},
    )


def _end_coverage(request, pk: str):
    service = CarrierService.objects.filter(pk=pk).first() if pk.isdigit() else None
    if service is None:
        messages.error(request, _("This coverage is not recorded."))
        return redirect("network:carriers")
    carry_out(
        request,
        lambda: services.end_carrier_service(
            actor=request.user, service=service, until=timezone.localdate()
        ),
        _("Coverage ended."),
    )
    return redirect("network:carriers")
