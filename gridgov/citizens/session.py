"""The citizen's own session: a citizen id in the Django session, never a Django login.

`request.user` stays anonymous for a citizen, so no staff page (`staff_required`, the API's session
auth) ever lets a citizen in.
"""

from functools import wraps
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from gridgov.accounts.models import Citizen

from .services import touch

CITIZEN_ID = "citizen_id"
PENDING_PHONE = "citizen_pending_phone"
SHOWN_CODE = "citizen_shown_code"  # demo only: the code to show on the code page
NEXT = "citizen_next"


def sign_in(request, citizen: Citizen) -> str | None:
    """Keep the citizen in the session; returns the page they were going to, if any."""
    next_url = request.session.get(NEXT)
    request.session.cycle_key()  # a new session id at every change of privilege
    for key in (PENDING_PHONE, SHOWN_CODE, NEXT):
        request.session.pop(key, None)
    request.session[CITIZEN_ID] = citizen.pk
    return next_url


def sign_out(request) -> None:
    for key in (CITIZEN_ID, PENDING_PHONE, SHOWN_CODE, NEXT):
        request.session.pop(key, None)
    request.session.cycle_key()


def current_citizen(request) -> Citizen | None:
    citizen_id = request.session.get(CITIZEN_ID)
    if citizen_id is None:
        return None
    citizen = Citizen.objects.filter(pk=citizen_id).first()
    if citizen is None or citizen.is_blocked:
        request.session.pop(CITIZEN_ID, None)
        return None
    touch(citizen)
    return citizen


def safe_next(request, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return None


def citizen_required(view):
    """A signed-in citizen (`request.citizen`); others go to the citizen sign-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        citizen = current_citizen(request)
        if citizen is None:
            back = request.get_full_path()
            if request.htmx:
                back = request.htmx.current_url_abs_path or reverse("citizens:my_reports")
            url = f"{reverse('citizens:sign_in')}?{urlencode({'next': back})}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        request.citizen = citizen
        try:
            return view(request, *args, **kwargs)
        except Http404:
            # The project's 404 page leads to the staff desk; a citizen is led back to their reports.
            return render(request, "citizens/not_found.html", status=404)

    return wrapper
