from django.core.management.base import BaseCommand

from cuncun.tourism.services import release_expired_holds


class Command(BaseCommand):
    help = "Give back the nights of homestay bookings left unpaid past their hold."

    def handle(self, *args, **options):
        released = release_expired_holds()
        self.stdout.write(f"{released} booking(s) released")
