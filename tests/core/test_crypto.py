"""Sealing personal data (core.crypto): what is stored opens only with the key that sealed it,
says which key that was, and is found by a keyed hash that is not the value."""

import base64

import pytest

from cuncun.core import crypto
from cuncun.core.crypto import Key, Keyring, PersonalDataKeyError, decode_master_key

ID = "532801199001011234"


def _key(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


def _ring(current: int, *old: int) -> Keyring:
    return Keyring(
        current=Key.from_master(decode_master_key(_key(current))),
        old=tuple(Key.from_master(decode_master_key(_key(o))) for o in old),
    )


def test_a_sealed_value_opens_with_its_key_and_shows_nothing_of_the_value():
    ring = _ring(1)

    sealed = ring.seal(ID, crypto.ID_NUMBER)

    assert ID not in sealed and ID[-4:] not in base64.b64decode(sealed.partition(":")[2]).hex()
    assert sealed.startswith(ring.current.id + ":")
    assert ring.open(sealed, crypto.ID_NUMBER) == ID


def test_the_same_value_seals_differently_each_time_but_hashes_the_same():
    ring = _ring(1)

    assert ring.seal(ID, crypto.ID_NUMBER) != ring.seal(ID, crypto.ID_NUMBER)
    assert ring.digest(ID, crypto.ID_NUMBER) == ring.digest(ID, crypto.ID_NUMBER)
    assert ring.digest(ID, crypto.ID_NUMBER) != ring.digest(ID[:-1] + "5", crypto.ID_NUMBER)


def test_the_lookup_hash_is_keyed_not_a_plain_hash_of_the_value():
    import hashlib

    digest = _ring(1).digest(ID, crypto.ID_NUMBER)

    assert digest != hashlib.sha256(ID.encode()).hexdigest()
    assert digest != _ring(2).digest(ID, crypto.ID_NUMBER)


def test_a_value_sealed_under_an_old_key_opens_while_that_key_is_kept_as_old():
    sealed = _ring(1).seal(ID, crypto.ID_NUMBER)

    assert _ring(2, 1).open(sealed, crypto.ID_NUMBER) == ID
    assert _ring(2, 1).digests(ID, crypto.ID_NUMBER) == [
        _ring(2).digest(ID, crypto.ID_NUMBER),
        _ring(1).digest(ID, crypto.ID_NUMBER),
    ]


def test_a_value_sealed_under_a_key_no_longer_known_says_which_key_is_missing():
    sealed = _ring(1).seal(ID, crypto.ID_NUMBER)
    missing = _ring(1).current.id

    with pytest.raises(PersonalDataKeyError, match=rf"sealed with key {missing}.*CUNCUN_PII_OLD"):
        _ring(2).open(sealed, crypto.ID_NUMBER)


def test_an_altered_ciphertext_or_one_from_another_kind_of_column_does_not_open():
    ring = _ring(1)
    sealed = ring.seal(ID, crypto.ID_NUMBER)
    key_id, _, body = sealed.partition(":")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1

    with pytest.raises(PersonalDataKeyError, match="altered or damaged"):
        ring.open(f"{key_id}:{base64.b64encode(bytes(raw)).decode()}", crypto.ID_NUMBER)
    with pytest.raises(PersonalDataKeyError):
        ring.open(sealed, "phone")


@pytest.mark.parametrize("text", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_a_master_key_that_is_not_32_bytes_of_base64_is_refused_saying_how_to_make_one(text):
    with pytest.raises(PersonalDataKeyError, match=r"base64 of 32 random bytes.*token_bytes"):
        decode_master_key(text)


def test_without_a_key_in_the_settings_nothing_is_sealed_or_opened(settings):
    settings.CUNCUN_PII_KEY = ""

    with pytest.raises(PersonalDataKeyError, match="CUNCUN_PII_KEY is not set"):
        crypto.keyring()


def test_the_development_key_follows_the_secret_key_and_is_a_valid_master_key():
    first = crypto.development_master_key("one secret")

    assert first == crypto.development_master_key("one secret")
    assert first != crypto.development_master_key("another secret")
    assert len(decode_master_key(first)) == 32
