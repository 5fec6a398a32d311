"""The worded reason column goes once its texts are kept in the issue's values (its own migration: an
update and an ALTER of the same table in one transaction can trip PostgreSQL's deferred checks)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("settlement", "0005_issue_reason_code"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="settlementissue",
            name="reason",
        ),
    ]
