"""Trigram (pg_trgm) GIN indexes for the order list's partial searches, on PostgreSQL only.

The order-number and product searches are case-insensitive "contains" lookups, which Django
writes as ``UPPER(column::text) LIKE UPPER('%…%')``; these expression indexes (GIN over
``UPPER(column)`` with ``gin_trgm_ops``) answer exactly that, so a part of an order number or of a
product name is found without reading every order. Written as SQL because Django's
``GinIndex(OpClass(Upper(...)))`` needs ``django.contrib.postgres`` installed, which SQLite setups
do not have.

SQLite has no such index and keeps working with the plain lookups. Where the database user may not
create the extension (what ``TrigramExtension`` does), the migration says so and goes on without the
indexes: searches stay correct, only slower. A superuser should then run ``CREATE EXTENSION pg_trgm``
and create the indexes with the statements in ``create`` below.
"""

import sys

from django.db import migrations, transaction

# (table, index name, column)
INDEXES = (
    ("orders_order", "order_search_trgm", "search_text"),
    ("orders_order", "order_no_trgm", "channel_order_id"),
    ("orders_order", "order_bundle_trgm", "bundle_id"),
    ("orders_orderline", "orderline_no_trgm", "channel_line_id"),
)


def _trigram_ready(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        try:
            with transaction.atomic(using=connection.alias):  # a refusal must not abort the migration
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # noqa: BLE001 - permission denied, or the contrib package is missing
            sys.stderr.write(f"\n  orders: pg_trgm could not be created ({str(exc).strip()}); "
                             "partial order searches run without trigram indexes\n")
            return False
    return True


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not _trigram_ready(schema_editor.connection):
        return
    for table, name, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                              f'USING gin ((UPPER("{column}")) gin_trgm_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for _model, name, _column in INDEXES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0002_flow"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
