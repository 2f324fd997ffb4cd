"""Rate limits on the doors that can be hammered (login, sign-up, the carrier API), counted in the
cache: with CUNCUN_REDIS_URL every app server counts in the same Redis, so a client spreading its
requests over the servers meets one limit. A fixed window per (door, who): simple, atomic
(`add` then `incr`), and enough to stop a script while a person never meets it.

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
    window = int(time.time() // seconds)
    # Hashed: an address or a key never stands in the cache in clear.
    key = f"rate:{door}:{hashlib.sha256(who.encode()).hexdigest()[:32]}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr: this attempt opens a new window
        cache.add(key, 1, timeout=seconds + 1)
        attempts = 1
    if attempts > limit:
        raise RateLimited(details={"door": door, "retry_after_seconds": seconds})


def client_address(request) -> str:
    """The client's address as gunicorn gives it (behind nginx, gunicorn takes it from
    X-Forwarded-For only from the trusted proxy, see deploy/gunicorn.conf.py)."""
    return request.META.get("REMOTE_ADDR", "")
