"""The `cuncun` console script: Django's management commands with cuncun's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuncun.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A setting the operator must give (SECRET_KEY …): one sentence, not a traceback.
        sys.exit(f"cuncun: {error}")


if __name__ == "__main__":
    main()
