"""Counter actions sent from a phone's offline queue (core/static/core/offline.js).

A form the console's pages queue while there is no connection is sent later to its own address,
as it would have been posted, with an `Idempotency-Key` header: the view answers it here, in
JSON, instead of with a page. The key makes a second delivery (a sync interrupted after the
server applied it, a phone that sends again) return the first answer and change nothing.

A refusal is an answer too, and is kept under the key like a success: the phone shows it to the
operator as an item to resolve, and sending it again gives the same refusal rather than trying a
second time (a wrong pickup code counts once). Anything else (a crash, a lost connection) keeps no
key, so the phone sends the action again later.
"""

from collections.abc import Callable

from django.http import JsonResponse

from cuncun.core.errors import DomainError
from cuncun.core.idempotency import run_once

HEADER = "Idempotency-Key"
# What a queued action carries besides its fields: the page's form token, sent in a header.
NOT_PART_OF_THE_ACTION = {"csrfmiddlewaretoken"}


def is_queued(request) -> bool:
    """Whether this POST comes from the offline queue (it carries its idempotency key)."""
    return request.method == "POST" and HEADER in request.headers


def answer_once(request, *, scope: str, act: Callable[[], str]) -> JsonResponse:
    """Carry out `act` (which returns what the operator is told) once per key and answer
    `{"outcome": "done" | "refused", "message", "code", "replayed"}`."""

    def write() -> dict:
        try:
            return {"outcome": "done", "message": str(act()), "code": ""}
        except DomainError as error:
            # The service's own transaction rolled back whatever it had begun (or kept what it
            # keeps on purpose, a wrong code's attempt): the refusal is stored with the key.
            return {"outcome": "refused", "message": str(error.message), "code": error.code}

    fields = {
        name: request.POST.getlist(name)
        for name in sorted(request.POST)
        if name not in NOT_PART_OF_THE_ACTION
    }
    try:
        result, replayed = run_once(
            scope=scope,
            key=f"{request.user.pk}:{request.headers[HEADER]}",
            actor=request.user,
            payload={"path": request.path, "fields": fields},
            write=write,
        )
    except DomainError as error:
        # The key itself is wrong (too long, reused for another action): nothing was done.
        return JsonResponse(
            {"outcome": "refused", "message": str(error.message), "code": error.code},
            status=error.http_status,
        )
    return JsonResponse({**result, "replayed": replayed})
