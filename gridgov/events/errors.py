"""Errors the event services raise; the API and pages turn them into clear messages."""


class EventError(Exception):
    """Base: the message is shown to the user as it is."""


class Conflict(EventError):
    """The event is no longer in a state that allows the action (someone else acted first)."""


class NotYourTurn(EventError):
    """The user may see the event but their unit or role does not act at this step."""


class BadRequest(EventError):
    """The input is not acceptable (bad coordinates, unknown matter, empty reason…)."""
