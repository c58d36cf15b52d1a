"""Email deliveries get a lease (claimed_until, claim_token) and a "claimed"
status: a claimed row whose worker died goes back to pending once the lease
ends; only a "sending" row may have been sent.

Rows already "sending" keep the old rule: their lease ends 15 minutes after
they were last touched, then the sweep marks them failed ("may have been
sent").
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def lease_rows_in_flight(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    Delivery.objects.filter(status="sending", claimed_until__isnull=True).update(
        claimed_until=F("updated_at") + timedelta(minutes=15)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_event_batch_and_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='claim_token',
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='delivery',
            name='claimed_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending'), ('claimed', 'Claimed'), ('sending', 'Sending'), ('sent', 'Sent'), ('skipped', 'Skipped'), ('failed', 'Failed')], db_index=True, default='pending', max_length=8),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status__in', ['claimed', 'sending'])), fields=['claimed_until'], name='delivery_lease_idx'),
        ),
        migrations.RunPython(lease_rows_in_flight, migrations.RunPython.noop),
    ]
