"""The roles people act in. Kept apart from the models so that an app's configuration (its menu
entries) can name them before the models are loaded."""

from django.utils.translation import gettext_lazy as _


class Role:
    COUNTY_OFFICE = (
        "county_office"  # 市电商办: runs the program county-wide, manages reference data
    )
    MEMBER_DEPARTMENT = "member_department"  # a member unit of the leadership group: reads, reports
    FINANCE_BUREAU = "finance_bureau"  # 市财政局: the special fund, disbursements
    TOWNSHIP_STAFF = "township_staff"  # 乡镇/街道 station staff: their township only
    VILLAGE_OPERATOR = "village_operator"  # runs one village service point: their village only
    MERCHANT = "merchant"  # an enterprise, co-op, family farm or farmer: their own shop
    COURIER = "courier"  # a carrier's courier: scans parcels in their delivery area
    LEADERSHIP_GROUP = "leadership_group"  # 市电商工作领导小组: reads everything, decides
    SUPERVISION_OFFICE = "supervision_office"  # 市委、市政府督查室: reads everything, supervises
    SERVICE_CENTER = "service_center"  # 市电子商务公共服务中心: statistics, monitoring, services
    GUARANTEE_AGENCY = "guarantee_agency"  # 农信担保机构: reviews and guarantees businesses' loans
    BANK = "bank"  # a lending bank working with the guarantee agencies: lends, records repayments

    choices = [
        (COUNTY_OFFICE, _("county e-commerce office")),
        (MEMBER_DEPARTMENT, _("member department")),
        (FINANCE_BUREAU, _("finance bureau")),
        (TOWNSHIP_STAFF, _("township staff")),
        (VILLAGE_OPERATOR, _("village operator")),
        (MERCHANT, _("merchant")),
        (COURIER, _("courier")),
        (LEADERSHIP_GROUP, _("leadership group")),
        (SUPERVISION_OFFICE, _("supervision office")),
        (SERVICE_CENTER, _("public service center")),
        (GUARANTEE_AGENCY, _("guarantee agency")),
        (BANK, _("bank")),
    ]
    # Roles that act for the whole county, so their region must be the county itself.
    COUNTY_WIDE = {
        COUNTY_OFFICE,
        MEMBER_DEPARTMENT,
        FINANCE_BUREAU,
        LEADERSHIP_GROUP,
        SUPERVISION_OFFICE,
        SERVICE_CENTER,
        GUARANTEE_AGENCY,
        BANK,
    }
    # The level of region each role is scoped to.
    REGION_LEVEL = {
        COUNTY_OFFICE: "county",
        MEMBER_DEPARTMENT: "county",
        FINANCE_BUREAU: "county",
        LEADERSHIP_GROUP: "county",
        SUPERVISION_OFFICE: "county",
        SERVICE_CENTER: "county",
        GUARANTEE_AGENCY: "county",
        BANK: "county",
        TOWNSHIP_STAFF: "township",
        VILLAGE_OPERATOR: "village",
    }
    # Every role a person may hold, and every signed-in person: a buyer's account has no role.
    ALL = frozenset(value for value, _label in choices)
    ANY_ACCOUNT = ALL | {""}
    # Who follows the program's figures (divisions, plan, coverage, merchants) in their menu.
    PROGRAM_FOLLOWERS = frozenset(COUNTY_WIDE | {TOWNSHIP_STAFF})
    # Who manages accounts: everyone's (the county office) or their township's operators.
    ACCOUNT_MANAGERS = frozenset({COUNTY_OFFICE, TOWNSHIP_STAFF})
    # The accounts township staff create and look after, in their township.
    MANAGED_BY_TOWNSHIP = frozenset({VILLAGE_OPERATOR})
