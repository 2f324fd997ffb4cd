from datetime import date
from decimal import Decimal

from ninja import Schema


class SessionOut(Schema):
    code: str
    title: str
    course: str
    kind: str
    starts_on: date
    ends_on: date
    place: str
    township: str
    trainer: str
    institution: str
    funding_source: str
    cost: Decimal
    persons: int


class CategoryCount(Schema):
    code: str
    label: str
    persons: int


class TrainingFundOut(Schema):
    cap: Decimal  # the plan's cap for training from the special fund
    # the county's special-fund sessions of the plan's time, and the fund's training projects
    committed: Decimal
    left: Decimal
    sentence: str  # the plan's words


class SummaryOut(Schema):
    region: str
    since: date | None
    on: date
    person_times: int
    persons: int
    sessions: int
    categories: list[CategoryCount]
    villages_without_talent: int
    special_fund_spent: Decimal  # by the sessions held in the region up to the day
    county_training_fund: TrainingFundOut | None


class TraineeOut(Schema):
    id: int
    name: str
    id_number: str  # always masked; the training office opens one in full (audited)
    gender: str
    ethnicity: str
    village: str
    person_times: int


class TraineePersonalOut(Schema):
    id: int
    id_number: str
    phone: str
