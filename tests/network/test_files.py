"""A site's photos (taken at its acceptance check) are public while the site serves, on its
public page; before it opens they are for those who manage the site only."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cuncun.network.models import SitePhoto, SiteStatus, passing_checklist
from cuncun.network.services import accept_site, change_site_status
from tests.conftest import village
from tests.factories import site_in

pytestmark = pytest.mark.usefixtures("media_root")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
OPENED = date(2017, 1, 10)


@pytest.fixture
def accepted(county):
    """A village point of 嘎洒镇 accepted with a photo of its counter, not yet open."""
    site = site_in(village("嘎洒镇", "曼达村委会"), status=SiteStatus.APPROVED, opened_on=OPENED)
    accept_site(
        actor=None,
        site=site,
        checked_on=OPENED,
        checklist=passing_checklist(),
        photos=[SimpleUploadedFile("柜台.png", PNG, content_type="image/png")],
    )
    return site.__class__.objects.get(pk=site.pk)


def _photo_address(site) -> str:
    return reverse("network:site_photo", args=[SitePhoto.objects.get(site=site).pk])


def test_a_serving_sites_photo_is_on_its_public_page_and_loads_for_anyone(client, accepted):
    site = change_site_status(
        actor=None, site=accepted, to_status=SiteStatus.OPERATING, effective_on=OPENED
    )
    address = _photo_address(site)

    page = client.get(reverse("network:site", args=[site.code])).content.decode()
    served = client.get(address)

    assert f'src="{address}"' in page
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("inline;")
    assert served["Cache-Control"] == "public, max-age=86400"


def test_before_it_opens_the_photo_is_for_those_who_manage_the_site(
    client, accepted, gasa_staff, menglong_staff
):
    address = _photo_address(accepted)

    assert client.get(address).status_code == 404
    assert address not in client.get(reverse("network:site", args=[accepted.code])).content.decode()
    client.force_login(menglong_staff)
    assert client.get(address).status_code == 404
    client.force_login(gasa_staff)
    page = client.get(reverse("network:manage_site", args=[accepted.pk])).content.decode()
    served = client.get(address)
    assert f'href="{address}"' in page
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
