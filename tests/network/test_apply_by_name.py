"""Township staff apply for a point by picking the village by its name, never by typing an id."""

from django.test import Client

from cuncun.network.models import Site
from tests.conftest import village


def test_the_application_offers_the_townships_villages_by_name_and_nothing_outside(gasa_staff):
    client = Client()
    client.force_login(gasa_staff)

    page = client.get("/network/manage/apply/").content.decode()

    assert "所在乡镇或村" in page and "代码或编号" not in page
    assert "嘎洒镇 · 曼达村委会" in page and "勐龙镇" not in page


def test_an_application_picked_by_name_is_recorded_in_that_village(gasa_staff):
    client = Client()
    client.force_login(gasa_staff)
    manda = village("嘎洒镇", "曼达村委会")

    client.post(
        "/network/manage/apply/",
        {
            "kind": "village_point",
            "region": manda.pk,
            "name": "曼达点",
            "address": "村委会旁",
            "applied_on": "2017-01-01",
        },
    )

    assert Site.objects.get().region == manda


def test_a_village_outside_ones_township_cannot_be_posted(gasa_staff):
    client = Client()
    client.force_login(gasa_staff)
    elsewhere = village("勐龙镇", "曼伞村委会")

    response = client.post(
        "/network/manage/apply/",
        {
            "kind": "village_point",
            "region": elsewhere.pk,
            "name": "曼伞点",
            "address": "村委会旁",
            "applied_on": "2017-01-01",
        },
    )

    assert response.status_code == 200 and not Site.objects.exists()
