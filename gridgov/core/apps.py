from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "公共"
    name = "gridgov.core"
    label = "core"
