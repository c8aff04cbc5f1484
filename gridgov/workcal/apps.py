from django.apps import AppConfig


class WorkcalConfig(AppConfig):
    name = "gridgov.workcal"
    label = "workcal"
    verbose_name = "工作日历"
