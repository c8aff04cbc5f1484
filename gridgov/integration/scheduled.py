from datetime import timedelta

from gridgov.core.scheduling import periodic

from .webhooks import deliver_due


@periodic("integration.deliver_webhooks", every=timedelta(seconds=10))
def webhooks():
    return deliver_due()
