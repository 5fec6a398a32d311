"""A settlement issue's reason becomes a code with its values, worded in the reader's language when shown;
reasons already stored keep their wording (an empty code with the text as its one value)."""

from django.db import migrations, models


def keep_stored_wording(apps, schema_editor):
    issue = apps.get_model("settlement", "SettlementIssue")
    for pk, reason in issue.objects.exclude(reason="").values_list("pk", "reason").iterator(chunk_size=2000):
        issue.objects.filter(pk=pk).update(reason_params={"text": reason})


class Migration(migrations.Migration):

    dependencies = [
        ("settlement", "0004_expected_due_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="settlementissue",
            name="reason_code",
            field=models.CharField(blank=True, max_length=30, verbose_name="사유"),
        ),
        migrations.AddField(
            model_name="settlementissue",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="settlementissueevent",
            name="code",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name="settlementissueevent",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(keep_stored_wording, migrations.RunPython.noop),
    ]
