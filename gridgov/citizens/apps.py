from django.apps import AppConfig


class CitizensConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gridgov.citizens"
    verbose_name = "群众端"
