"""Builders for tests: sites at a given point of their lifecycle, made through the services."""

from datetime import date

from cuncun.network.models import SiteKind, SiteStatus, passing_checklist
from cuncun.network.services import SiteApplication, accept_site, apply_for_site, change_site_status


def site_in(
    region,
    kind: str = SiteKind.VILLAGE_POINT,
    *,
    status: str = SiteStatus.OPERATING,
    opened_on: date = date(2017, 1, 10),
    name: str | None = None,
    actor=None,
):
    """A site applied for, approved, accepted and opened on `opened_on` (or stopped earlier)."""
    site = apply_for_site(
        actor=actor,
        application=SiteApplication(
            kind=kind,
            name=name or f"{region.name}服务点",
            region=region,
            address=f"{region.name}村委会旁",
            applied_on=opened_on,
        ),
    )
    if status == SiteStatus.APPLIED:
        return site
    site = change_site_status(
        actor=actor, site=site, to_status=SiteStatus.APPROVED, effective_on=opened_on
    )
    if status == SiteStatus.APPROVED:
        return site
    accept_site(actor=actor, site=site, checked_on=opened_on, checklist=passing_checklist())
    if status == SiteStatus.ACCEPTED:
        return site.__class__.objects.get(pk=site.pk)
    return change_site_status(
        actor=actor, site=site, to_status=SiteStatus.OPERATING, effective_on=opened_on
    )
