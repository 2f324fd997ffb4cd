import pytest
from hypothesis import given
from hypothesis import strategies as st

from cuncun.trace import gs1

LOT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._"


def test_the_check_digit_is_gs1s_mod_10():
    # GS1's own example GTIN-14 and a GTIN-13 from a Chinese product (690…)
    assert gs1.check_digit("0950600013435") == "2"
    assert gs1.normalise_gtin("6901234567892") == "06901234567892"


def test_a_gtin_with_a_wrong_check_digit_is_refused():
    with pytest.raises(gs1.NotADigitalLink, match="check digit"):
        gs1.build("09506000134353", "A1")


def test_a_county_issued_gtin_is_a_valid_restricted_circulation_gtin_14():
    gtin = gs1.county_gtin(42)
    assert gtin.startswith("029") and len(gtin) == 14
    assert gs1.normalise_gtin(gtin) == gtin


@given(
    product_id=st.integers(min_value=1, max_value=9_999_999_999),
    lot=st.text(alphabet=LOT_CHARS, min_size=1, max_size=20),
)
def test_a_built_link_parses_back_to_its_gtin_and_lot(product_id, lot):
    link = gs1.build(gs1.county_gtin(product_id), lot)
    assert gs1.parse(link.uri("https://trace.jinghong.example")) == link
    assert gs1.parse(link.path) == link


def test_qualifiers_out_of_gs1s_order_are_refused():
    with pytest.raises(gs1.NotADigitalLink, match="order"):
        gs1.parse("/01/09506000134352/21/S1/10/L1")
    assert gs1.parse("/01/09506000134352/22/V1/10/L1/21/S1").lot == "L1"


def test_a_path_without_a_lot_or_with_a_foreign_ai_is_refused():
    with pytest.raises(gs1.NotADigitalLink, match="lot"):
        gs1.parse("/01/09506000134352")
    with pytest.raises(gs1.NotADigitalLink, match="AI 17"):
        gs1.parse("/01/09506000134352/17/261231")
