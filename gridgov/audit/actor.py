"""Who is acting, passed to every service function so that audit rows can name them."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """A staff user, a citizen, an API client or the system itself (scheduler, seed, import)."""

    user: object | None = None  # accounts.User
    label: str = ""  # shown when there is no user: "system:scheduler", "citizen:138****1234"
    ip: str | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_request(cls, request) -> "Actor":
        user = getattr(request, "user", None)
        user = user if getattr(user, "is_authenticated", False) else None
        return cls(user=user, label=str(user) if user else "anonymous", ip=client_ip(request))

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(label=f"system:{name}")

    def __str__(self) -> str:
        return str(self.user) if self.user else self.label


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted only behind a proxy we configure, not by default.
    return request.META.get("REMOTE_ADDR") or None
