"""The JSON API under /api/v1/: one NinjaAPI, session auth for the browser, bearer tokens for machines."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from gridgov.accounts.services import user_for_token
from gridgov.workcal.calendar import CalendarError


class InvalidInput(ValueError):
    """Input that passed the schema but not the rules; answered 422 with `detail` (and `errors`)."""

    def __init__(self, message: str, errors: list | None = None):
        super().__init__(message)
        self.errors = errors or []


class BearerToken(HttpBearer):
    """`Authorization: Bearer ggv_…` as issued by `manage.py create_api_token`."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class TokenHeader(APIKeyHeader):
    """The same token in `X-API-Key`, for clients that cannot set Authorization."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return BearerToken.authenticate(self, request, key)


api = NinjaAPI(
    title="gridgov API",
    version="1",
    description="县乡一体、条抓块统 基层治理平台接口。浏览器使用会话登录；机器客户端使用 `Authorization: Bearer <token>`。",
    urls_namespace="api",
    auth=[BearerToken(), TokenHeader(), django_auth],
)


@api.exception_handler(InvalidInput)
def invalid_input(request, exc: InvalidInput):
    return api.create_response(request, {"detail": str(exc), "errors": exc.errors}, status=422)


@api.exception_handler(CalendarError)
def calendar_missing(request, exc: CalendarError):
    # The deadline cannot be computed: the working calendar lacks the year (an administrator's job).
    return api.create_response(request, {"detail": str(exc)}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "未找到"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": "未登录或令牌无效"}, status=401)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(request, {"detail": "输入有误", "errors": exc.errors}, status=422)


def register_routers() -> None:
    # Imported here so that each app's router module can import `api` types without a cycle.
    from gridgov.accounts.api import router as units_router
    from gridgov.events.api import inbox as inbox_router
    from gridgov.events.api import router as events_router
    from gridgov.events.api_tasks import router as tasks_router
    from gridgov.matters.api import router as matters_router
    from gridgov.regions.api import router as regions_router

    api.add_router("/regions", regions_router)
    api.add_router("/units", units_router)
    api.add_router("/matters", matters_router)
    api.add_router("/events", events_router)
    api.add_router("/notifications", inbox_router)
    api.add_router("/tasks", tasks_router)


register_routers()
