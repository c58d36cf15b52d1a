from django.conf import settings
from django.db import migrations


def name_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    host = next((h for h in settings.ALLOWED_HOSTS if h and h != "*"), "localhost")
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": host.lstrip("."), "name": settings.SITE_NAME}
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("sites", "0002_alter_domain_unique")]

    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]
