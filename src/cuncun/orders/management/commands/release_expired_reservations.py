from django.core.management.base import BaseCommand

from cuncun.orders.services import release_expired_reservations


class Command(BaseCommand):
    help = "Cancel checkouts left unpaid past their reservation and give their stock back."

    def handle(self, *args, **options):
        released = release_expired_reservations()
        self.stdout.write(f"{released} checkout(s) released")
