from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "gridgov.integration"
    label = "integration"
    verbose_name = "系统对接"
