from django.db import models


class PeriodicJob(models.Model):
    """One periodic job of `run_scheduler` and when it is next due.

    A scheduler claims a due run with a conditional UPDATE on `next_run_at`, so two schedulers
    never run the same job twice (ARCHITECTURE rule 8); the index on `next_run_at` finds due jobs.
    """

    name = models.CharField("任务名", max_length=80, unique=True)
    interval_seconds = models.PositiveIntegerField("间隔（秒）")
    next_run_at = models.DateTimeField("下次运行", db_index=True)
    last_started_at = models.DateTimeField("最近开始", null=True, blank=True)
    last_finished_at = models.DateTimeField("最近结束", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    runs = models.PositiveIntegerField("运行次数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
