from datetime import timedelta

from gridgov.core.scheduling import periodic

from .services import purge_expired


@periodic("citizens.purge_expired", every=timedelta(hours=1))
def purge() -> int:
    """Old sign-in codes and rate-limit hits are deleted after a day (PIPL art. 19)."""
    return purge_expired()
