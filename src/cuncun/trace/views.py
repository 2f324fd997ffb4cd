"""trace's pages: the GS1 Digital Link resolver and the public trace page (no login), the
producer's console (bases, inputs, batches, certificates and their labels) and the office's
quality pages (stations, inspections, recall). Thin: rules in services.py, reads in queries.py."""

from io import BytesIO

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cuncun.catalog.models import Product
from cuncun.core.errors import NotAllowed
from cuncun.core.exports import csv_response
from cuncun.core.files import stored_file_response
from cuncun.core.pages import carry_out
from cuncun.merchants.queries import merchants_of
from cuncun.trace import gs1, queries, services
from cuncun.trace.forms import (
    BaseForm,
    BatchForm,
    CertificateForm,
    InputForm,
    InspectionForm,
    RecallForm,
)
from cuncun.trace.models import Batch

LINKSET_TYPE = "application/linkset+json"
GS1_VOC = "https://gs1.org/voc/"
DEFAULT_LINK_TYPE = "gs1:traceability"


# --- the resolver (GS1 Digital Link) -------------------------------------------------------------


def _links(request, batch: Batch) -> dict[str, tuple[str, str]]:
    """The link types this resolver answers for a batch: {linkType: (address, title)}."""
    trace_page = request.build_absolute_uri(reverse("trace:public", args=[batch.lot]))
    links = {
        "gs1:traceability": (trace_page, _("Trace of lot %s") % batch.lot),
        "gs1:pip": (
            request.build_absolute_uri(reverse("orders:product", args=[batch.product_id])),
            _("Product page"),
        ),
        "gs1:certificationInfo": (trace_page + "#certificate", _("Commitment certificate")),
    }
    return links


def _linkset(request, link, links) -> dict:
    anchor = link.uri(request.build_absolute_uri("/").rstrip("/"))
    entry = {"anchor": anchor}
    for link_type, (href, title) in links.items():
        entry[GS1_VOC + link_type.split(":", 1)[1]] = [{"href": href, "title": title}]
    entry[GS1_VOC + "defaultLink"] = [{"href": links[DEFAULT_LINK_TYPE][0]}]
    return {"linkset": [entry]}


@require_GET
def resolve(request, rest: str = ""):
    """`/01/<GTIN-14>/10/<lot>`: 307 to the trace page (or to `?linkType=`'s target), or the
    linkset when the client asks for `application/linkset+json` or `?linkType=linkset`."""
    try:
        link = gs1.parse(request.path)
    except gs1.NotADigitalLink as problem:
        return JsonResponse({"error": str(problem)}, status=400)
    batch = queries.batch_by_link(link.gtin, link.lot)
    if batch is None:
        return JsonResponse({"error": "no batch with this GTIN and lot"}, status=404)
    links = _links(request, batch)
    link_type = request.GET.get("linkType", "")
    wants_linkset = link_type in {"linkset", "all"} or LINKSET_TYPE in request.headers.get(
        "Accept", ""
    )
    if wants_linkset:
        return JsonResponse(_linkset(request, link, links), content_type=LINKSET_TYPE)
    # An unknown link type falls back to the default link, as GS1's resolver standard asks.
    target = links.get(link_type, links[DEFAULT_LINK_TYPE])[0]
    response = HttpResponse(status=307)
    response["Location"] = target
    response["Link"] = f'<{request.build_absolute_uri()}>; rel="linkset"; type="{LINKSET_TYPE}"'
    response["Vary"] = "Accept"
    return response


@require_GET
def resolver_description(request):
    """`/.well-known/gs1resolver`: what this resolver serves."""
    root = request.build_absolute_uri("/").rstrip("/")
    return JsonResponse(
        {
            "name": _("County traceability resolver"),
            "resolverRoot": root,
            "supportedPrimaryKeys": ["01"],
            "supportedLinkType": [
                {"namespace": GS1_VOC, "prefix": "gs1:", "profile": GS1_VOC + "linkTypes"}
            ],
            "linkTypeDefaultCanBeLinkset": False,
            "supportedContextValuesEnumerated": [],
        }
    )


# --- the public trace page -----------------------------------------------------------------------


@require_GET
def public_page(request, lot: str):
    return render(request, "trace/public.html", {"page": queries.public_trace(lot)})


def _link_of(request, batch: Batch) -> str:
    return gs1.build(batch.gtin, batch.lot).uri(request.build_absolute_uri("/").rstrip("/"))


@require_GET
def batch_qr(request, lot: str):
    batch = queries.public_trace(lot).batch
    svg = BytesIO()
    segno.make(_link_of(request, batch), error="m").save(svg, kind="svg", scale=5, xmldecl=False)
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


# --- the producer's console ----------------------------------------------------------------------


def _merchants(user):
    merchants = list(merchants_of(user))
    if not merchants:
        raise NotAllowed(_("You do not sell for any merchant."))
    return merchants


def _batch_form(request, data=None):
    merchants = _merchants(request.user)
    return BatchForm(
        data,
        products=Product.objects.filter(merchant__in=merchants),
        bases=queries.producer_bases(request.user),
    )


@login_required
def console(request):
    merchants = _merchants(request.user)
    return render(
        request,
        "trace/console.html",
        {
            "merchants": merchants,
            "bases": queries.producer_bases(request.user),
            "batches": queries.producer_batches(request.user)[:50],
            "base_form": BaseForm(),
            "batch_form": _batch_form(request),
            "input_form": InputForm(),
        },
    )


@login_required
@require_POST
def new_base(request):
    merchants = _merchants(request.user)
    form = BaseForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        details = services.BaseDetails(**d)
        carry_out(
            request,
            lambda: services.register_base(
                actor=request.user, merchant=merchants[0], details=details
            ),
            _("The base is registered."),
        )
    else:
        _form_errors(request, form)
    return redirect("trace:console")


@login_required
@require_POST
def new_input(request, pk: int):
    base = queries.producer_bases(request.user).filter(pk=pk).first()
    if base is None:
        raise Http404
    form = InputForm(request.POST)
    if form.is_valid():
        carry_out(
            request,
            lambda: services.record_input(actor=request.user, base=base, **form.cleaned_data),
            _("The input is recorded."),
        )
    else:
        _form_errors(request, form)
    return redirect("trace:console")


@login_required
@require_POST
def new_batch(request):
    form = _batch_form(request, request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("trace:console")
    made = {}
    if carry_out(
        request,
        lambda: made.setdefault(
            "batch", services.record_batch(actor=request.user, **form.cleaned_data)
        ),
        _("The batch is recorded."),
    ):
        return redirect("trace:batch", pk=made["batch"].pk)
    return redirect("trace:console")


@login_required
def batch_page(request, pk: int):
    batch = queries.producer_batch(request.user, pk)
    return render(
        request,
        "trace/batch.html",
        {
            "batch": batch,
            "inputs": queries.inputs_of(batch),
            "certificate_form": CertificateForm(
                initial={"contact_phone": batch.product.merchant.contact_phone}
            ),
            "link": _link_of(request, batch),
        },
    )


@login_required
@require_POST
def issue_certificate(request, pk: int):
    batch = queries.producer_batch(request.user, pk)
    form = CertificateForm(request.POST)
    if form.is_valid():
        carry_out(
            request,
            lambda: services.issue_certificate(
                actor=request.user, batch=batch, **form.cleaned_data
            ),
            _("The certificate is issued: print its label."),
        )
    else:
        _form_errors(request, form)
    return redirect("trace:batch", pk=pk)


@login_required
def certificate_label(request, pk: int):
    """The printable 承诺达标合格证 label with its QR (a Digital Link to the batch)."""
    batch = queries.producer_batch(request.user, pk)
    if not hasattr(batch, "certificate"):
        raise Http404
    certificate = batch.certificate
    return render(
        request,
        "trace/label.html",
        {
            "batch": batch,
            "certificate": certificate,
            "promises": [
                text
                for code, text in services.CertificatePromise.choices
                if code in certificate.promises
            ],
            "basis": [
                text
                for code, text in services.CertificateBasis.choices
                if code in certificate.basis
            ],
            "link": _link_of(request, batch),
        },
    )


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {errors[0]}" if label else errors[0])


# --- the office: stations, inspections, recall ---------------------------------------------------


def _require_quality_staff(user) -> None:
    if not queries.is_quality_staff(user):
        raise NotAllowed(_("Only the county office and township staff see quality pages."))


@login_required
def office(request):
    _require_quality_staff(request.user)
    search = request.GET.get("q", "")
    return render(
        request,
        "trace/office.html",
        {
            "stations": queries.stations(),
            "batches": queries.office_batches(request.user, search)[:50],
            "search": search,
            "inspection_form": InspectionForm(initial={"inspected_on": None}),
        },
    )


@login_required
@require_POST
def inspect(request, pk: int):
    _require_quality_staff(request.user)
    batch = queries.office_batch(request.user, pk)
    form = InspectionForm(request.POST, request.FILES)
    if form.is_valid():
        details = services.InspectionDetails(**form.cleaned_data)
        carry_out(
            request,
            lambda: services.record_inspection(actor=request.user, batch=batch, details=details),
            _("The inspection is recorded."),
        )
    else:
        _form_errors(request, form)
    return redirect(reverse("trace:office") + f"?q={batch.lot}")


def inspection_photo(request, pk: int):
    """The photo of an inspection's strip, for those who see the inspection (404 for others)."""
    inspection = queries.inspection_photo_for(request.user, pk)
    return stored_file_response(inspection.photo, public=False)


@login_required
def recall(request):
    """Find everything a lot reached, and recall it (county office)."""
    if not services.may_recall(request.user):
        raise NotAllowed(_("Only the county office may recall a lot."))
    lot = (request.POST.get("lot") or request.GET.get("lot") or "").strip()
    form = RecallForm(request.POST or None, initial={"lot": lot})
    if request.method == "POST" and form.is_valid():
        carry_out(
            request,
            lambda: services.recall_lot(actor=request.user, **form.cleaned_data),
            _("The lot is recalled; its sales are stopped and the buyers are notified."),
        )
        return redirect(reverse("trace:recall") + f"?lot={lot}")
    scope = None
    if lot:
        scope = queries.recall_scope(lot)
        if request.GET.get("format") == "csv":
            return csv_response(
                f"recall-{scope.batch.lot}.csv",
                [_("what"), _("reference"), _("state"), _("where"), _("person"), _("phone")],
                services.export_recall_list(actor=request.user, scope=scope),
            )
    return render(request, "trace/recall.html", {"form": form, "scope": scope, "lot": lot})
