"""Base views: every list of scoped rows goes through `restrict` here, not in each view."""

from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.views.generic import ListView

from gridgov.accounts.jurisdiction import Action


def staff_required(view):
    """A logged-in, active staff user with a role (or a superuser); others go to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_superuser or user.role):
            raise PermissionDenied("该账号没有分配角色")
        return view(request, *args, **kwargs)

    return wrapper


class ScopedListView(LoginRequiredMixin, ListView):
    """A list of rows the user may `action`: `model.objects.restrict(user, action)`."""

    action = Action.VIEW
    paginate_by = 50

    def get_base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        return self.get_base_queryset().restrict(self.request.user, self.action)
