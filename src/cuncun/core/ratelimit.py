"""Rate limits on the doors that can be hammered (login, sign-up, the carrier API, pickup codes,
training check-in), counted in the cache: with CUNCUN_REDIS_URL every app server counts in the
same Redis, so a client spreading its requests over the servers meets one limit. A fixed window
per (door, who): simple, atomic (`add` then `incr`), and enough to stop a script while a person
never meets it.

Limits are "count/seconds", from CUNCUN_RATE_<DOOR> in the environment (see settings).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from cuncun.core.errors import DomainError


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429
    default_message = _("Too many attempts in a short time; wait a few minutes and try again.")


def count_attempt(door: str, who: str) -> None:
    """Count one attempt at `door` by `who` (an address, a key); refuse it past the limit."""
    limit, seconds = settings.CUNCUN_RATE_LIMITS[door]
    if _count(door, who) > limit:
        raise RateLimited(details={"door": door, "retry_after_seconds": seconds})


def refuse_if_limited(door: str, who: str) -> None:
    """Refuse `who` at a door that counts only failures (a wrong pickup code, a check-in that
    did not match) once they have failed too often in the window; a person who gets it right
    never meets the limit, however busy the counter."""
    limit, seconds = settings.CUNCUN_RATE_LIMITS[door]
    if (cache.get(_key(door, who, seconds)) or 0) >= limit:
        raise RateLimited(details={"door": door, "retry_after_seconds": seconds})


def count_failure(door: str, who: str) -> None:
    """Count one failure of `who` at `door`; `refuse_if_limited` refuses the next past the limit."""
    _count(door, who)


def _count(door: str, who: str) -> int:
    _limit, seconds = settings.CUNCUN_RATE_LIMITS[door]
    key = _key(door, who, seconds)
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this attempt opens a new window
        cache.add(key, 1, timeout=seconds + 1)
        return 1


def _key(door: str, who: str, seconds: int) -> str:
    window = int(time.time() // seconds)
    # Hashed: an address or a key never stands in the cache in clear.
    return f"rate:{door}:{hashlib.sha256(who.encode()).hexdigest()[:32]}:{window}"


def client_address(request) -> str:
    """The client's address as gunicorn gives it (behind nginx, gunicorn takes it from
    X-Forwarded-For only from the trusted proxy, see deploy/gunicorn.conf.py)."""
    return request.META.get("REMOTE_ADDR", "")
