"""Who the training office is: the staff of the member unit the plan gives the training to."""

from cuncun.accounts.models import Role
from cuncun.plans.models import MemberUnit
from cuncun.training.access import is_training_office, may_manage_training, sees_personal_data
from tests.training.conftest import join_training_office, load_plan_changed


def test_the_staff_of_the_unit_the_plan_gives_the_training_to_are_the_training_office(
    training_office, commerce_staff
):
    assert is_training_office(training_office) and sees_personal_data(training_office)
    assert may_manage_training(training_office)
    assert not is_training_office(commerce_staff) and not may_manage_training(commerce_staff)


def test_a_plan_that_gives_the_training_to_another_unit_moves_the_rights(
    plan, make_user, training_office, tmp_path
):
    agriculture = make_user("nongye", Role.MEMBER_DEPARTMENT)
    MemberUnit.objects.get(plan=plan, key="agriculture_bureau").staff.add(agriculture)

    changed = load_plan_changed(
        tmp_path,
        {
            "hrss_bureau": {"carries_out": "[]"},
            "agriculture_bureau": {"carries_out": '["training"]'},
        },
    )

    assert is_training_office(agriculture) and sees_personal_data(agriculture)
    assert not is_training_office(training_office) and not sees_personal_data(training_office)
    newcomer = make_user("nongye2", Role.MEMBER_DEPARTMENT)
    join_training_office(newcomer, changed)
    assert is_training_office(newcomer)


def test_township_staff_on_the_training_unit_are_not_the_training_office(plan, gasa_staff):
    join_training_office(gasa_staff, plan)
    assert not is_training_office(gasa_staff) and not sees_personal_data(gasa_staff)
