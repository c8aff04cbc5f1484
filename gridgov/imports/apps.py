from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "gridgov.imports"
    label = "imports"
