"""Pages of the orders app: cart, checkout, the buyer's orders, the seller's orders to pack, the
pickup point's counter, the county office's order views, and the sandbox gateway's hosted page."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from cuncun.orders.models import SandboxCharge
from cuncun.orders.payments import PROVIDERS


@require_http_methods(["GET", "POST"])
def sandbox_gateway(request, token: str):
    """The sandbox gateway's own page (it stands for the outside payment company's site)."""
    charge = get_object_or_404(SandboxCharge, token=token)
    if request.method == "POST":
        charge = PROVIDERS["sandbox"].decide(token, pay=request.POST.get("decision") == "pay")
        return redirect(charge.return_url or "/")
    return render(request, "orders/sandbox_gateway.html", {"charge": charge})
