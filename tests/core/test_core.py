from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from cuncun.core import audit
from cuncun.core.errors import Conflict, InvalidInput
from cuncun.core.idempotency import run_once
from cuncun.core.models import AuditEntry, IdempotencyKey
from cuncun.core.money import to_money
from cuncun.core.personal import id_check_char, is_valid_id_number, mask_id_number, mask_phone
from cuncun.regions.models import RegionUnit


def test_run_once_returns_the_first_result_to_a_retry(db):
    calls = []

    def write():
        calls.append(1)
        return {"order": len(calls)}

    first = run_once(scope="test.op", key="k-1", actor=None, payload={"a": 1}, write=write)
    second = run_once(scope="test.op", key="k-1", actor=None, payload={"a": 1}, write=write)
    assert first == ({"order": 1}, False)
    assert second == ({"order": 1}, True)
    assert calls == [1]


def test_run_once_refuses_a_key_reused_for_another_request(db):
    run_once(scope="test.op", key="k-2", actor=None, payload={"a": 1}, write=lambda: {"x": 1})
    with pytest.raises(Conflict):
        run_once(scope="test.op", key="k-2", actor=None, payload={"a": 2}, write=lambda: {"x": 2})


def test_a_failed_write_keeps_no_key_so_the_retry_runs(db):
    def failing():
        raise InvalidInput("no")

    with pytest.raises(InvalidInput):
        run_once(scope="test.op", key="k-3", actor=None, payload={}, write=failing)
    assert not IdempotencyKey.objects.exists()
    result, replayed = run_once(
        scope="test.op", key="k-3", actor=None, payload={}, write=lambda: {"ok": 1}
    )
    assert result == {"ok": 1} and not replayed


def test_run_once_needs_a_key(db):
    with pytest.raises(InvalidInput):
        run_once(scope="test.op", key="", actor=None, payload={}, write=lambda: {})


def test_audit_record_refuses_to_write_outside_a_transaction(transactional_db):
    with transaction.atomic():
        unit = RegionUnit.objects.create(name="测试县", kind="county", level="county", path="/x/")
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="x", obj=unit)


def test_audit_record_writes_before_and_after_inside_a_transaction(county):
    with transaction.atomic():
        entry = audit.record(actor=None, action="x", obj=county, before={"a": 1}, after={"a": 2})
    stored = AuditEntry.objects.for_object(county).get(pk=entry.pk)
    assert (stored.before, stored.after, stored.object_repr) == ({"a": 1}, {"a": 2}, "景洪市")


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4))
def test_money_is_rounded_half_up_to_the_fen(value):
    money = to_money(value)
    assert money.as_tuple().exponent == -2
    assert abs(money - value) <= Decimal("0.005")


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        to_money(0.1)
    assert to_money("0.125") == Decimal("0.13")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_an_id_number_with_its_checksum_is_valid_and_any_other_last_char_is_not(first17):
    good = first17 + id_check_char(first17)
    assert is_valid_id_number(good)
    for wrong in set("0123456789X") - {good[-1]}:
        assert not is_valid_id_number(first17 + wrong)


def test_personal_numbers_are_masked():
    assert mask_id_number("532801199001011234") == "5328**********1234"
    assert mask_phone("13912345678") == "139****5678"


def test_an_sms_is_kept_in_the_outbox_after_commit(db, django_capture_on_commit_callbacks):
    from cuncun.core.sms import send_sms

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = send_sms(to="13900000001", text="取件码 123456", reference="test:1")
    message.refresh_from_db()
    assert message.status == "kept" and message.handled_at is not None


def test_an_sms_of_a_rolled_back_change_is_never_written(db):
    from cuncun.core.models import OutboxMessage
    from cuncun.core.sms import send_sms

    with pytest.raises(RuntimeError), transaction.atomic():
        send_sms(to="13900000001", text="x")
        raise RuntimeError
    assert not OutboxMessage.objects.exists()
