"""`cuncun load_road_distances matrix.csv`: rows of from-site code, to-site code, km."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cuncun.core.errors import DomainError, InvalidInput
from cuncun.core.exports import csv_rows, decode_text
from cuncun.logistics.services import load_road_distances
from cuncun.network.models import Site


class Command(BaseCommand):
    help = "Load a road-distance matrix (CSV: from,to,km with site codes) for route planning."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            table = [row for row in csv_rows(decode_text(Path(path).read_bytes())) if row]
        except (OSError, InvalidInput) as error:
            raise CommandError(f"{path}: {getattr(error, 'message', error)}") from error
        if table and not table[0][2].replace(".", "", 1).isdigit():
            table = table[1:]  # a header row
        sites = {s.code: s for s in Site.objects.filter(code__in={c for r in table for c in r[:2]})}
        unknown = sorted({c for r in table for c in r[:2] if c not in sites})
        if unknown:
            raise CommandError(f"unknown site code(s): {', '.join(unknown)}")
        try:
            n = load_road_distances(
                actor=None, rows=[(sites[a], sites[b], km) for a, b, km, *_rest in table]
            )
        except DomainError as error:
            raise CommandError(f"{error.message}: {error.details}") from error
        self.stdout.write(f"{n} road distance(s) loaded.")
