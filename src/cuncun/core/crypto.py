"""Personal data sealed at rest: a resident ID number is stored encrypted (AES-256-GCM) and found
by a keyed hash (HMAC-SHA256), never in clear, so that a copy of the database (a backup, a dump
handed to a contractor) gives no ID number without the key, which lives in the environment only.

Keys. The master key is `CUNCUN_PII_KEY` (base64 of 32 random bytes); in DEBUG without it,
settings derive one from SECRET_KEY (a demo's data is invented). HKDF derives three things from
each master key, so that no key serves two purposes: the encryption key, the lookup key, and a
short key id written in front of every ciphertext (`3f2a9c1e:…`), so that a row says which key
sealed it.

Rotation. The new master key goes in `CUNCUN_PII_KEY`, the old ones in `CUNCUN_PII_OLD_KEYS`
(comma-separated; only read), then `cuncun rotate_pii_key` seals every row again under the new
key; once it has run, the old key can go. The lookup key rotates with the master key, so while
rows sealed under an old key remain, a value is looked for under every known key's digest
(`digests`), and uniqueness is checked by the services across all of them.
"""

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

ID_NUMBER = "id_number"  # the purpose a resident ID number is sealed and hashed for
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_CHARS = 8
GENERATE_KEY = (
    "python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())'"
)


class PersonalDataKeyError(ImproperlyConfigured):
    """The key to seal or open personal data is missing, malformed, or not the one a row was
    sealed with. An ImproperlyConfigured, so that `cuncun` says it in one sentence."""


def decode_master_key(text: str, name: str = "CUNCUN_PII_KEY") -> bytes:
    """The 32 bytes of a master key given as base64, or a sentence saying how to make one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise PersonalDataKeyError(
            f"{name} must be the base64 of 32 random bytes; make one with: {GENERATE_KEY}"
        )
    return raw


def development_master_key(secret_key: str) -> str:
    """For DEBUG without CUNCUN_PII_KEY: a master key derived from SECRET_KEY, as base64. Never
    outside DEBUG: changing SECRET_KEY would then lose every ID number."""
    raw = hashlib.sha256(b"cuncun development personal-data key\0" + secret_key.encode()).digest()
    return base64.b64encode(raw).decode()


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"cuncun pii " + purpose
    ).derive(master)


@dataclass(frozen=True)
class Key:
    id: str
    encryption: bytes
    lookup: bytes

    @classmethod
    def from_master(cls, master: bytes) -> "Key":
        return cls(
            id=_derive(master, b"key id").hex()[:KEY_ID_CHARS],
            encryption=_derive(master, b"encryption"),
            lookup=_derive(master, b"lookup"),
        )

    def digest(self, value: str, purpose: str) -> str:
        message = purpose.encode() + b"\0" + value.encode()
        return hmac.new(self.lookup, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keyring:
    current: Key
    old: tuple[Key, ...] = ()

    def seal(self, value: str, purpose: str) -> str:
        """`<key id>:<base64 of nonce + ciphertext + tag>`; the purpose is bound as associated
        data, so a ciphertext copied into another kind of column does not open."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.current.encryption).encrypt(nonce, value.encode(), purpose.encode())
        return f"{self.current.id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, purpose: str) -> str:
        key_id, _, body = sealed.partition(":")
        key = self.key(key_id)
        try:
            raw = base64.b64decode(body, validate=True)
            plain = AESGCM(key.encryption).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()
            )
        except (binascii.Error, ValueError, InvalidTag) as error:
            raise PersonalDataKeyError(
                f"A stored {purpose} does not open with key {key_id}: it was altered or damaged."
            ) from error
        return plain.decode()

    def key(self, key_id: str) -> Key:
        for key in (self.current, *self.old):
            if key.id == key_id:
                return key
        raise PersonalDataKeyError(
            f"Personal data sealed with key {key_id} cannot be opened: that key is neither "
            "CUNCUN_PII_KEY nor in CUNCUN_PII_OLD_KEYS."
        )

    def digest(self, value: str, purpose: str) -> str:
        """The keyed hash stored beside the ciphertext, under the current key."""
        return self.current.digest(value, purpose)

    def digests(self, value: str, purpose: str) -> list[str]:
        """The value's digest under every known key: what a lookup looks for during a rotation."""
        return [key.digest(value, purpose) for key in (self.current, *self.old)]

    def is_current(self, sealed: str) -> bool:
        return sealed.partition(":")[0] == self.current.id


@lru_cache(maxsize=4)
def _keyring(current: str, old: tuple[str, ...]) -> Keyring:
    return Keyring(
        current=Key.from_master(decode_master_key(current)),
        old=tuple(Key.from_master(decode_master_key(k, "CUNCUN_PII_OLD_KEYS")) for k in old),
    )


def keyring() -> Keyring:
    """The keys in force, from the settings (cached on their values, so tests may change them)."""
    from django.conf import settings

    current = getattr(settings, "CUNCUN_PII_KEY", "")
    if not current:
        raise PersonalDataKeyError(
            f"CUNCUN_PII_KEY is not set: personal data cannot be sealed or opened; make one with: "
            f"{GENERATE_KEY}"
        )
    return _keyring(current, tuple(getattr(settings, "CUNCUN_PII_OLD_KEYS", ())))


def open_id_number(sealed: str) -> str:
    """A stored ID number in clear ("" stays "")."""
    return keyring().open(sealed, ID_NUMBER) if sealed else ""
