from django.apps import AppConfig


class MattersConfig(AppConfig):
    name = "gridgov.matters"
    label = "matters"
    verbose_name = "事项清单"
