from django.db import migrations

# The default ladder (DOMAIN §5, 升级): overdue → the owner unit's leaders → the unit above →
# the county centre. Data, editable in the admin.
DEFAULT_LADDER = [(1, "0h", "unit_supervisors"), (2, "4h", "unit_above"), (3, "1d", "county_centre")]


def add_ladder(apps, schema_editor):
    step = apps.get_model("events", "EscalationStep")
    for order, after, target in DEFAULT_LADDER:
        step.objects.get_or_create(order=order, defaults={"after": after, "target": target})


def remove_ladder(apps, schema_editor):
    apps.get_model("events", "EscalationStep").objects.filter(
        order__in=[o for o, _, _ in DEFAULT_LADDER]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(add_ladder, remove_ladder)]
