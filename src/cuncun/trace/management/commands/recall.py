"""`cuncun recall LOT`: everything a lot reached, upstream and downstream, as CSV (with personal
data: whoever runs commands on the server is the county office's administrator).

`cuncun recall LOT --by office --reason "农残超标"` also recalls it: its sales stop at once and
every buyer is texted. The acting user is named, so the audit log says who recalled it.
"""

import csv
import io

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import translation

from cuncun.accounts.models import User
from cuncun.core.errors import DomainError
from cuncun.core.exports import row
from cuncun.trace import queries, services

HEADER = ["what", "reference", "state", "where", "person", "phone"]


class Command(BaseCommand):
    help = "List every base, input, batch, stock, order and parcel a lot reached; recall it."

    def add_arguments(self, parser):
        parser.add_argument("lot")
        parser.add_argument("--reason", default="", help="recall the lot, for this reason")
        parser.add_argument("--by", default="", help="username of the county office's person")
        parser.add_argument("--csv", default="", help="write the CSV here instead of stdout")

    def handle(self, *args, lot, reason, by, csv: str, **options):
        translation.activate("zh-hans")
        if reason:
            self._recall(lot, reason, by)
        try:
            scope = queries.recall_scope(lot)
        except Http404:
            raise CommandError(f"no batch has the lot {lot}") from None
        rows = services.export_recall_list(actor=self._actor(by), scope=scope)
        text = _csv_text(rows)
        if csv:
            with open(csv, "w", newline="", encoding="utf-8-sig") as out:
                out.write(text)
            self.stderr.write(f"{len(rows)} rows written to {csv}")
        else:
            self.stdout.write(text, ending="")

    def _actor(self, by: str):
        """The person named by --by, or the system itself (None) for a listing without it."""
        return User.objects.filter(username=by).first() if by else None

    def _recall(self, lot: str, reason: str, by: str) -> None:
        actor = self._actor(by)
        if actor is None:
            raise CommandError("name the county office's user with --by")
        try:
            recall = services.recall_lot(actor=actor, lot=lot, reason=reason)
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        self.stderr.write(
            f"recalled {', '.join(b.lot for b in recall.recalled)}; {recall.notices} SMS queued"
        )


def _csv_text(rows) -> str:
    """Every cell escaped by core.exports, as every CSV the platform writes."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(row(r) for r in rows)
    return out.getvalue()
