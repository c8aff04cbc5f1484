"""Admin for the working calendar; every change here drops the in-memory calendar cache."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from gridgov.audit.actor import Actor

from .calendar import invalidate_cache
from .models import CalendarDay, WorkPeriod
from .services import set_day


def _invalidate_now_and_on_commit() -> None:
    # Now for this process's next read inside the request, on commit so that no read between
    # the two can cache the old rows.
    invalidate_cache()
    transaction.on_commit(invalidate_cache)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_working", "name", "source", "updated_at"]
    list_editable = ["is_working", "name"]
    list_filter = ["is_working", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]
    readonly_fields = ["source", "created_at", "updated_at"]
    list_per_page = 100

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        # Through the service: marks the day manual, writes the audit row, refreshes the cache.
        saved = set_day(obj.date, obj.is_working, obj.name, Actor.from_request(request))
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: CalendarDay | None = None) -> bool:
        # A missing day would make its whole year unusable (CalendarMissing); edit it instead.
        return False


@admin.register(WorkPeriod)
class WorkPeriodAdmin(admin.ModelAdmin):
    list_display = ["start", "end", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: WorkPeriod, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _invalidate_now_and_on_commit()

    def delete_model(self, request: HttpRequest, obj: WorkPeriod) -> None:
        super().delete_model(request, obj)
        _invalidate_now_and_on_commit()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkPeriod]) -> None:
        super().delete_queryset(request, queryset)
        _invalidate_now_and_on_commit()
