from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from gridgov.core.scheduling import periodic


@periodic("accounts.expire_login_failures", every=timedelta(hours=1))
def expire_login_failures() -> int:
    """Forget failed-login records older than the lockout period (minimum retention, PIPL art. 19)."""
    cutoff = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted
