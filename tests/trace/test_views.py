from datetime import timedelta

from django.urls import reverse

from cuncun.core.models import AuditEntry
from cuncun.trace import gs1, services
from cuncun.trace.models import Batch, BatchStatus
from tests.orders.test_fulfilment import paid_pickup
from tests.trace.conftest import HARVEST, inspection


def link_of(batch):
    return gs1.build(batch.gtin, batch.lot).path


def test_the_resolver_sends_a_scan_to_the_public_trace_page(client, farm):
    response = client.get(link_of(farm.batch))

    assert response.status_code == 307
    assert response["Location"].endswith(reverse("trace:public", args=[farm.batch.lot]))
    assert 'rel="linkset"' in response["Link"]


def test_the_resolver_honours_the_link_type_and_falls_back_to_the_default(client, farm):
    pip = client.get(link_of(farm.batch) + "?linkType=gs1:pip")
    unknown = client.get(link_of(farm.batch) + "?linkType=gs1:recipeInfo")

    assert pip["Location"].endswith(reverse("orders:product", args=[farm.batch.product_id]))
    assert unknown["Location"].endswith(reverse("trace:public", args=[farm.batch.lot]))


def test_the_resolver_answers_a_linkset_to_who_asks_for_one(client, farm):
    response = client.get(link_of(farm.batch), HTTP_ACCEPT="application/linkset+json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/linkset+json"
    (entry,) = response.json()["linkset"]
    assert entry["anchor"].endswith(link_of(farm.batch))
    assert entry["https://gs1.org/voc/traceability"][0]["href"].endswith(
        reverse("trace:public", args=[farm.batch.lot])
    )
    assert "https://gs1.org/voc/pip" in entry


def test_the_resolver_refuses_a_broken_link_and_does_not_know_a_strange_lot(client, farm):
    wrong_check_digit = str((int(farm.batch.gtin[-1]) + 1) % 10)  # never the right one
    broken = f"/01/{farm.batch.gtin[:-1]}{wrong_check_digit}/10/{farm.batch.lot}"
    assert client.get(broken).status_code in {400, 404}
    assert client.get(f"/01/{farm.batch.gtin}/10/NOSUCHLOT").status_code == 404
    assert client.get(f"/01/{farm.batch.gtin}/21/S/10/{farm.batch.lot}").status_code == 400


def test_the_resolver_describes_itself_at_the_well_known_address(client, db):
    description = client.get("/.well-known/gs1resolver").json()
    assert description["supportedPrimaryKeys"] == ["01"]
    assert description["resolverRoot"].startswith("http")


def test_the_public_trace_page_shows_the_journey_with_the_producers_phone_masked(client, farm):
    market = farm.market
    market.tea_garden.contact_phone = "13912345678"
    market.tea_garden.save(update_fields=["contact_phone"])
    (order,) = paid_pickup(market, key="page")

    page = client.get(reverse("trace:public", args=[farm.batch.lot])).content.decode()

    assert "曼栋茶园" in page and "刘家茶园" in page and str(HARVEST) in page
    assert "139****5678" in page and "13912345678" not in page
    assert "采收" in page and "售出" in page  # harvested, then sold (the journey)
    assert order.number not in page  # an order number is nobody's business on a public page


def test_a_failed_batch_says_so_on_its_public_page(client, farm, office_user):
    services.record_inspection(
        actor=office_user, batch=farm.batch, details=inspection(farm.station, value="75")
    )
    page = client.get(reverse("trace:public", args=[farm.batch.lot])).content.decode()
    assert 'id="held"' in page and "不合格" in page


def test_a_producer_records_a_batch_and_issues_its_certificate(client, farm):
    market = farm.market
    client.force_login(market.tea_owner)
    response = client.post(
        reverse("trace:new_batch"),
        {
            "product": market.tea.product.pk,
            "base": farm.base.pk,
            "harvested_on": str(HARVEST + timedelta(days=1)),
            "quantity": "80",
            "unit": "斤",
        },
    )
    batch = Batch.objects.latest("pk")
    assert response["Location"] == reverse("trace:batch", args=[batch.pk])

    client.post(
        reverse("trace:certify", args=[batch.pk]),
        {"basis": ["self_test"], "issuer": "刘明", "contact_phone": "13900000006"},
    )
    label = client.get(reverse("trace:label", args=[batch.pk])).content.decode()
    assert "承诺达标合格证" in label and "常规农药兽药残留不超标" in label
    assert gs1.build(batch.gtin, batch.lot).path in label


def test_the_office_sees_a_recall_and_downloads_it_with_phones(client, farm, office_user):
    (order,) = paid_pickup(farm.market, key="csv")
    client.force_login(office_user)

    page = client.get(reverse("trace:recall"), {"lot": farm.batch.lot}).content.decode()
    assert order.number in page and farm.market.buyer.phone not in page  # masked on the page
    assert not AuditEntry.objects.filter(action="personal_data.exported").exists()

    response = client.get(reverse("trace:recall"), {"lot": farm.batch.lot, "format": "csv"})
    assert order.number in response.content.decode()
    assert farm.market.buyer.phone in response.content.decode()  # to call them
    (taken,) = AuditEntry.objects.filter(action="personal_data.exported")
    assert taken.actor == office_user and taken.object_id == str(farm.batch.pk)
    assert taken.after == {"fields": ["person", "phone"], "people": 1}

    client.post(reverse("trace:recall"), {"lot": farm.batch.lot, "reason": "农残超标"})
    farm.batch.refresh_from_db()
    assert farm.batch.status == BatchStatus.RECALLED


def test_a_producer_cannot_open_the_recall_page(client, farm):
    client.force_login(farm.market.tea_owner)
    assert client.get(reverse("trace:recall"), {"lot": farm.batch.lot}).status_code == 403


def test_a_farm_products_market_page_shows_its_certificate_and_links_to_the_trace(client, farm):
    services.issue_certificate(
        actor=None,
        batch=farm.batch,
        basis=["self_test"],
        issuer="刘明",
        contact_phone="13900000006",
    )
    page = client.get(reverse("orders:product", args=[farm.batch.product_id])).content.decode()
    assert 'id="trace-certificate"' in page
    assert reverse("trace:public", args=[farm.batch.lot]) in page
