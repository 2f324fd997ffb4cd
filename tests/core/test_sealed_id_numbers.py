"""Resident ID numbers at rest (core.models.SealedIdNumber, on trainees and merchants): the
database holds only ciphertext and a keyed hash; lookups and once-per-person still hold, through
a key rotation (`cuncun rotate_pii_key`) too."""

import base64
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from cuncun.core.crypto import PersonalDataKeyError
from cuncun.core.errors import Conflict
from cuncun.merchants.models import Merchant, MerchantKind
from cuncun.merchants.services import MerchantDetails, register_merchant
from cuncun.training import services
from cuncun.training.models import Trainee
from tests.conftest import village
from tests.training.builders import id_number

NEW_KEY = base64.b64encode(b"n" * 32).decode()


def _trainee(n: int, name: str = "岩温") -> Trainee:
    return services.register_trainee(
        actor=None,
        person=services.Person(
            id_number=id_number(n), name=name, region=village("嘎洒镇", "曼达村委会")
        ),
    )


def _farmer(n: int, name: str = "玉罕") -> Merchant:
    return register_merchant(
        actor=None,
        details=MerchantDetails(
            name=name,
            kind=MerchantKind.FARMER,
            region=village("嘎洒镇", "曼达村委会"),
            id_number=id_number(n),
        ),
    )


def _raw_rows(table: str) -> list[tuple]:
    """Every column of every row, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return cursor.fetchall()


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def _rotate_to_a_new_key(settings) -> None:
    settings.CUNCUN_PII_OLD_KEYS = [settings.CUNCUN_PII_KEY]
    settings.CUNCUN_PII_KEY = NEW_KEY


def test_the_database_holds_no_clear_id_number_of_a_trainee_or_a_merchant(county):
    _trainee(1)
    _farmer(2)

    for table, n in (("training_trainee", 1), ("merchants_merchant", 2)):
        stored = " ".join(str(value) for row in _raw_rows(table) for value in row)
        assert id_number(n) not in stored and id_number(n)[6:14] not in stored  # not the birthday
        assert "id_number" not in _columns(table)
        assert {"id_number_encrypted", "id_number_digest"} <= set(_columns(table))
    assert Trainee.objects.get().id_number == id_number(1)
    assert Merchant.objects.get().id_number == id_number(2)


def test_a_trainee_is_found_by_their_id_number_and_registered_once(county):
    registered = _trainee(1)

    assert Trainee.objects.with_id_number(id_number(1)).get() == registered
    assert not Trainee.objects.with_id_number(id_number(2)).exists()
    with pytest.raises(Conflict, match="已登记"):
        _trainee(1, name="岩温")
    with pytest.raises(IntegrityError), transaction.atomic():
        Trainee.objects.create(
            id_number=id_number(1).lower(),  # the same person, however typed
            name="岩温",
            gender="M",
            birth_date=registered.birth_date,
            region=registered.region,
        )


def test_a_merchant_is_registered_once_per_id_number_and_others_have_none(county):
    _farmer(1)

    with pytest.raises(Conflict):
        _farmer(1, name="另一个农户")
    enterprise = register_merchant(
        actor=None,
        details=MerchantDetails(
            name="公司", kind=MerchantKind.ENTERPRISE, region=village("嘎洒镇", "曼达村委会")
        ),
    )
    assert (enterprise.id_number_encrypted, enterprise.id_number_digest) == ("", "")
    assert enterprise.id_number == "" and enterprise.masked_id_number == ""


def test_during_a_rotation_old_rows_stay_readable_findable_and_once_per_person(county, settings):
    trainee, farmer = _trainee(1), _farmer(2)
    _rotate_to_a_new_key(settings)

    assert Trainee.objects.with_id_number(id_number(1)).get() == trainee
    assert Merchant.objects.with_id_number(id_number(2)).get() == farmer
    with pytest.raises(Conflict):
        _trainee(1)  # sealed under the old key, still the same person
    with pytest.raises(Conflict):
        _farmer(2, name="另一个农户")
    newcomer = _trainee(3, name="玉香")
    assert newcomer.id_number_encrypted.startswith(_current_key_id() + ":")


def _current_key_id() -> str:
    from cuncun.core import crypto

    return crypto.keyring().current.id


def test_rotate_pii_key_seals_every_row_again_under_the_new_key_and_a_second_run_does_nothing(
    county, settings
):
    for n in range(1, 6):
        _trainee(n, name=f"学员{n}")
    _farmer(7)
    before = {t.pk: t.id_number_encrypted for t in Trainee.objects.all()}
    _rotate_to_a_new_key(settings)
    out = io.StringIO()

    call_command("rotate_pii_key", "--batch", "2", stdout=out)

    assert "training.Trainee: 5 sealed again" in out.getvalue()
    assert "merchants.Merchant: 1 sealed again" in out.getvalue()
    new_id = _current_key_id()
    for trainee in Trainee.objects.all():
        assert trainee.id_number_encrypted.startswith(new_id + ":")
        assert trainee.id_number_encrypted != before[trainee.pk]
    again = io.StringIO()
    call_command("rotate_pii_key", stdout=again)
    assert "training.Trainee: 0 sealed again" in again.getvalue()
    settings.CUNCUN_PII_OLD_KEYS = []  # the old key can go now
    assert Trainee.objects.with_id_number(id_number(3)).get().id_number == id_number(3)
    assert Merchant.objects.with_id_number(id_number(7)).get().id_number == id_number(7)


def test_a_row_sealed_under_a_key_that_was_dropped_too_early_says_so(county, settings):
    _trainee(1)
    settings.CUNCUN_PII_KEY = NEW_KEY  # the old key not kept in CUNCUN_PII_OLD_KEYS

    trainee = Trainee.objects.get()
    with pytest.raises(PersonalDataKeyError, match="neither CUNCUN_PII_KEY nor in"):
        trainee.id_number  # noqa: B018
    assert not Trainee.objects.with_id_number(id_number(1)).exists()
