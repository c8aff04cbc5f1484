from datetime import timedelta

from gridgov.core.scheduling import periodic

from .services import scan_deadlines


@periodic("events.scan_deadlines", every=timedelta(seconds=30))
def deadlines():
    return scan_deadlines()
