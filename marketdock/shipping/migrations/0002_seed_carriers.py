"""Seed the carrier master (data in marketdock/shipping/carrier_data.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from marketdock.shipping.carrier_data import carriers_seed

    carriers_seed(apps.get_model("shipping", "Carrier"), apps.get_model("shipping", "CarrierChannelCode"))


class Migration(migrations.Migration):
    dependencies = [("shipping", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
