"""Browser: the training office opens one trainee's full ID number on a phone; the number is
masked everywhere until then, the look is recorded, and the trainee's page lists who looked."""

import re

import pytest
from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.core.models import AuditEntry
from cuncun.core.personal import mask_id_number
from cuncun.training.models import Trainee
from cuncun.training.services import Person, register_trainee
from tests.conftest import PASSWORD, village
from tests.e2e.conftest import log_in
from tests.training.builders import id_number
from tests.training.conftest import join_training_office


@pytest.fixture
def office(make_user, plan):
    user = make_user("peixun", Role.MEMBER_DEPARTMENT, display_name="培训办李老师")
    join_training_office(user, plan)
    return user


def test_the_training_office_opens_one_id_number_on_a_phone_and_the_look_is_listed(
    live_server, phone, office, tmp_path
):
    full = id_number(21, female=True)
    register_trainee(
        actor=None,
        person=Person(
            id_number=full,
            name="玉香",
            phone="13800000021",
            region=village("嘎洒镇", "曼达村委会"),
        ),
    )
    log_in(phone, live_server, "peixun", PASSWORD)

    phone.goto(f"{live_server.url}/training/trainees/")
    expect(phone.locator("body")).to_contain_text(mask_id_number(full))
    assert full not in phone.content()  # the page as loaded, attributes and all
    phone.get_by_role("link", name="玉香").click()
    id_shown = phone.locator("#id-number")
    expect(id_shown).to_have_text(re.compile("^" + re.escape(mask_id_number(full))))
    expect(phone.locator("#views")).to_contain_text("还没有人查看过")

    phone.get_by_role("button", name="显示完整号码（将被记录）").click()

    expect(id_shown).to_have_text(full)
    expect(phone.locator("#phone")).to_have_text("13800000021")
    phone.screenshot(path=str(tmp_path / "revealed.png"), full_page=True)
    phone.goto(phone.url)  # a fresh look at the page: masked again, and the look is listed
    expect(phone.locator("#views")).to_contain_text("培训办李老师")
    expect(id_shown).not_to_contain_text(full)
    (entry,) = AuditEntry.objects.filter(action="personal_data.shown")
    assert entry.actor == office and entry.object_id == str(Trainee.objects.get().pk)
