from cuncun.accounts.models import Role
from cuncun.financing import demo
from cuncun.financing.models import ApplicationStatus, LoanApplication
from tests.conftest import township
from tests.merchants.factories import merchant


def test_the_financing_demo_loads_once(county, make_user):
    owner = make_user("merchant", Role.MERCHANT, township("勐龙镇"))
    host = make_user("host", Role.MERCHANT, township("嘎洒镇"))
    make_user("agency", Role.GUARANTEE_AGENCY)
    make_user("bank", Role.BANK)
    merchant("刘家茶园", owner=owner, is_demo=True)
    merchant("曼达傣家小院经营户", owner=host, is_demo=True)

    demo.load_demo()
    demo.load_demo()

    statuses = sorted(LoanApplication.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [ApplicationStatus.LENT, ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED]
    )
    assert all("演示" in a.purpose for a in LoanApplication.objects.all())
