"""The `marketdock` console script: Django's manage.py for the installed project."""

import os
import sys


def main() -> None:
    # files under ./var (database, journal, job queue, mail, uploads) are the owner's only
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketdock.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
