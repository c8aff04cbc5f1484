"""Every state change of an event is one of these functions (ARCHITECTURE rule 2)."""

from .downward import complete_subtask, issue_task, receive_subtask, report_progress, rollup
from .handling import (
    accept_event,
    dispatch_event,
    escalate_to_county,
    finish_event,
    merge_event,
    rate_event,
    reclassify_event,
    reject_event,
    reopen_event,
    report_event_progress,
    resolve_on_spot,
    return_event,
    verify_event,
)
from .intake import IntakeResult, Report, report_event
from .requests import (
    answer_supervision,
    decide_request,
    issue_supervision,
    request_extension,
    request_parking,
    unpark_event,
)
from .scanning import scan_deadlines

__all__ = [
    "IntakeResult",
    "Report",
    "accept_event",
    "answer_supervision",
    "complete_subtask",
    "decide_request",
    "dispatch_event",
    "escalate_to_county",
    "finish_event",
    "issue_supervision",
    "issue_task",
    "merge_event",
    "rate_event",
    "receive_subtask",
    "reclassify_event",
    "reject_event",
    "reopen_event",
    "report_event",
    "report_event_progress",
    "report_progress",
    "request_extension",
    "request_parking",
    "resolve_on_spot",
    "return_event",
    "rollup",
    "scan_deadlines",
    "unpark_event",
    "verify_event",
]
