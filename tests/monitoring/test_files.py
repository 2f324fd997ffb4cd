"""The evidence of a reported indicator value opens, from the reported values' page, for those
who read the county's figures (the county-wide roles and township staff); a merchant or a
visitor is told there is no such file."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cuncun.monitoring.services import enter_reported_value

pytestmark = pytest.mark.usefixtures("media_root")
SCAN = b"%PDF-1.4 broadband acceptance"


@pytest.fixture
def entry(reporters):
    return enter_reported_value(
        actor=reporters.office,
        indicator="broadband_mbps",
        period_start=date(2017, 1, 1),
        value="100",
        evidence=SimpleUploadedFile("光网验收.pdf", SCAN, content_type="application/pdf"),
    )


def test_the_office_opens_the_evidence_from_the_reported_values_page(client, entry, reporters):
    address = reverse("monitoring:evidence_file", args=[entry.pk])
    client.force_login(reporters.office)

    page = client.get(reverse("monitoring:reported_values")).content.decode()
    served = client.get(address)

    assert f'href="{address}"' in page
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == SCAN
    assert served["Content-Type"] == "application/pdf"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store"


def test_township_staff_read_it_and_a_merchant_or_a_visitor_do_not(client, entry, reporters):
    address = reverse("monitoring:evidence_file", args=[entry.pk])

    assert client.get(address).status_code == 404
    client.force_login(reporters.owner)  # a tea garden's owner
    assert client.get(address).status_code == 404
    assert address not in client.get(reverse("monitoring:reported_values")).content.decode()
    client.force_login(reporters.gasa)
    assert client.get(address).status_code == 200
