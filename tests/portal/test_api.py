import pytest
from django.test import Client

from cuncun.regions.models import RegionUnit
from tests.conftest import PASSWORD, township


@pytest.fixture
def api():
    return Client()


def test_health_answers_ok_with_the_database(api, db):
    body = api.get("/api/health").json()
    assert body["status"] == "ok" and body["database"] in {"sqlite", "postgresql"}


def test_villages_of_a_township_by_code(api, county):
    response = api.get("/api/regions/", {"level": "village", "parent": "532801102"})
    body = response.json()
    gasa = township("嘎洒镇")
    assert response.status_code == 200
    assert body["count"] == gasa.children.count() == len(body["items"])
    assert {i["name"] for i in body["items"]} == set(gasa.children.values_list("name", flat=True))
    assert all(i["parent_code"] == "532801102" and i["level"] == "village" for i in body["items"])


def test_villages_of_a_township_by_id(api, county):
    gasa = township("嘎洒镇")
    body = api.get("/api/regions/", {"level": "village", "parent": gasa.pk}).json()
    assert body["count"] == gasa.children.count()


def test_all_townships(api, county):
    assert api.get("/api/regions/", {"level": "township"}).json()["count"] == 17


def test_an_unknown_parent_is_a_404_with_a_clear_body(api, county):
    response = api.get("/api/regions/", {"parent": "999"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "999" in response.json()["message"]


def test_an_unknown_level_is_a_400_naming_the_levels(api, county):
    response = api.get("/api/regions/", {"level": "province"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and "township" in body["message"]
    assert body["details"] == {"level": "province"}


def test_a_township_user_gets_only_their_township(county, gasa_staff):
    client = Client()
    client.login(username="gasa", password=PASSWORD)
    body = client.get("/api/regions/", {"level": "village"}).json()
    gasa = township("嘎洒镇")
    assert body["count"] == gasa.children.count()
    response = client.get("/api/regions/", {"parent": township("勐龙镇").code})
    assert response.status_code == 403
    assert response.json()["code"] == "out_of_scope"


def test_openapi_schema_and_docs(api, db):
    schema = api.get("/api/openapi.json").json()
    assert "/api/regions/" in schema["paths"] and "/api/health" in schema["paths"]
    docs = api.get("/api/docs")
    assert docs.status_code == 200
    assert "https://" not in docs.content.decode()  # works with no internet


def test_an_unknown_api_path_answers_json(api, db):
    response = api.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "http_404"


def test_region_items_carry_path_and_dates(api, county):
    item = api.get("/api/regions/", {"level": "county"}).json()["items"][0]
    unit = RegionUnit.objects.get(level="county")
    assert item == {
        "id": unit.pk,
        "code": "532801",
        "name": "景洪市",
        "kind": "county_city",
        "level": "county",
        "parent_id": None,
        "parent_code": None,
        "path": unit.path,
        "opening_date": None,
        "closing_date": None,
    }
