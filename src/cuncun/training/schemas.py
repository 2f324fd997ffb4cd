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


class SummaryOut(Schema):
    region: str
    since: date | None
    on: date
    person_times: int
    persons: int
    sessions: int
    categories: list[CategoryCount]
    villages_without_talent: int


class TraineeOut(Schema):
    id: int
    name: str
    id_number: str  # masked unless the caller is the training office
    gender: str
    ethnicity: str
    village: str
    person_times: int
