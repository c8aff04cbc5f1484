"""The unread count in the header: one COUNT query, only for logged-in staff, only when a page
shows it (the badge reads it lazily)."""

from functools import cached_property

from .models import Notification


class InboxBadge:
    def __init__(self, user):
        self.user = user

    @cached_property
    def unread(self) -> int:
        return Notification.objects.filter(user=self.user, read_at__isnull=True).count()

    @property
    def label(self) -> str:
        return "99+" if self.unread > 99 else str(self.unread)


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_superuser or getattr(user, "role", "")):
        return {}
    return {"inbox_badge": InboxBadge(user)}
