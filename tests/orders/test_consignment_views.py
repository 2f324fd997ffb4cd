"""代售 pages: each reads only what its person may see; the payout asks first."""

from io import BytesIO

from django.utils import timezone
from openpyxl import load_workbook

from cuncun.orders.models import FarmerEntry
from tests.conftest import village
from tests.merchants import factories as f
from tests.orders.test_consignment import farm, handed_over, intake, paid  # noqa: F401


def test_a_township_downloads_the_statement_of_its_own_points_only(
    client,
    market,
    farm,  # noqa: F811
    gasa_staff,
    menglong_staff,
):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7))
    url = f"/market/consign/points/{market.point.code}/statement.xlsx"
    month = timezone.localdate().strftime("%Y-%m")

    client.force_login(gasa_staff)
    response = client.get(url, {"month": month})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "农户" and rows[1][0] == "岩温" and rows[1][5] == 22.22

    client.force_login(menglong_staff)
    assert client.get(url, {"month": month}).status_code == 404


def test_the_payout_page_asks_first_and_pays_only_when_confirmed(
    client,
    market,
    farm,  # noqa: F811
):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7))
    client.force_login(market.operator)
    url = f"/market/consign/farmer/{farm.farmer.pk}/pay/"
    query = "?amount=22.22&method=cash&receipt_number=&key=k1"

    page = client.get(url + query).content.decode()

    assert "向岩温支付 22.22 元？" in page and not FarmerEntry.objects.filter(kind="payout")
    response = client.post(url + query)
    entry = FarmerEntry.objects.get(kind="payout")
    assert response["Location"] == f"/market/consign/payout/{entry.pk}/"


def test_an_operator_cannot_open_a_farmer_of_another_point(client, market, farm, make_user):  # noqa: F811
    other = f.operator_of(make_user, "other_op", village("勐龙镇", "曼伞村委会"))
    f.pickup_point(village("勐龙镇", "曼伞村委会"), operator=other, name="曼伞村服务点")
    client.force_login(other)
    assert client.get(f"/market/consign/farmer/{farm.farmer.pk}/").status_code == 404
