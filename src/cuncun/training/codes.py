"""The codes printed as QR: a session's check-in code for one day, a certificate's check code.

Both are keyed hashes of what they name (with SECRET_KEY), so that nothing needs storing and
nobody can make one up: tomorrow's check-in code cannot be guessed from today's, and certificate
numbers cannot be walked through to read names.
"""

from datetime import date

from django.utils.crypto import constant_time_compare, salted_hmac

CHECKIN_SALT = "cuncun.training.checkin"
CERTIFICATE_SALT = "cuncun.training.certificate"
CODE_LENGTH = 16


def checkin_token(session_code: str, day: date) -> str:
    return salted_hmac(CHECKIN_SALT, f"{session_code}|{day.isoformat()}").hexdigest()[:CODE_LENGTH]


def checkin_token_matches(session_code: str, day: date, token: str) -> bool:
    return constant_time_compare(checkin_token(session_code, day), token or "")


def certificate_check(number: str) -> str:
    return salted_hmac(CERTIFICATE_SALT, number).hexdigest()[:CODE_LENGTH]


def certificate_check_matches(number: str, check: str) -> bool:
    return constant_time_compare(certificate_check(number), check or "")
