"""A point's public page shows the contact number its operator chose to publish, in full; the
operators' own phones stay masked."""

from django.test import Client

from cuncun.accounts.models import Role
from cuncun.core.models import AuditEntry
from cuncun.network.models import Site
from cuncun.network.services import assign_operator
from tests.conftest import village
from tests.factories import site_in


def a_point_with_its_operator(make_user):
    point = site_in(village("嘎洒镇", "曼达村委会"), name="曼达村服务点")
    user = make_user("manda", Role.VILLAGE_OPERATOR, point.region, phone="13900000123")
    assign_operator(
        actor=None,
        site=point,
        name="岩罕",
        phone="13900000123",
        since=point.created_at.date(),
        user=user,
    )
    client = Client()
    client.force_login(user)
    return point, client


def test_the_operator_publishes_a_contact_number_shown_in_full_on_the_public_page(make_user):
    point, operator = a_point_with_its_operator(make_user)

    operator.post(f"/network/manage/{point.pk}/profile/", {"public_phone": "0691-2123456"})

    page = Client().get(f"/network/s/{point.code}/").content.decode()
    assert "联系电话" in page and "0691-2123456" in page
    assert "13900000123" not in page and "139****0123" in page
    assert AuditEntry.objects.for_object(point).filter(action="site.profile").exists()


def test_a_contact_number_with_letters_is_refused_and_nothing_changes(make_user):
    point, operator = a_point_with_its_operator(make_user)

    page = operator.post(
        f"/network/manage/{point.pk}/profile/", {"public_phone": "call-me"}, follow=True
    ).content.decode()

    assert "联系电话只能包含数字" in page
    assert Site.objects.get(pk=point.pk).public_phone == ""
