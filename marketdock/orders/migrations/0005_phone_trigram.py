"""Trigram (pg_trgm) GIN indexes for the phone search by its last four digits (an "ends with"
lookup, ``LIKE '%1234'``), on PostgreSQL only; the extension comes from 0003_search_trigram. As
there, SQLite keeps working without them, and a database where pg_trgm could not be created goes
on without them."""

from django.db import migrations

# (table, index name, column): the lookups are case-sensitive, so the plain column is indexed
INDEXES = (
    ("orders_order", "order_buyer_phone_trgm", "buyer_phone_digits"),
    ("orders_order", "order_recipient_phone_trgm", "recipient_phone_digits"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if not cursor.fetchone():
            return
    for table, name, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0004_merge_claims_and_search_trigram"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
