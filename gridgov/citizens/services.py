"""Every state change of the citizen side: sign-in codes, signing in, and handing in a report
(the event itself is created by `gridgov.events.services.report_event`)."""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac

from gridgov.accounts.models import Citizen
from gridgov.audit.actor import Actor
from gridgov.audit.services import record
from gridgov.core import clock
from gridgov.events.errors import EventError
from gridgov.events.services import IntakeResult, Report, report_event

from .models import OneTimeCode
from .ratelimit import Bucket, Rule, purge_old_hits, take
from .sms import SmsError, send_code

CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5  # per code
KEEP_CODES_FOR = timedelta(days=1)

# (limit, seconds): a code per minute and five an hour per phone, twenty an hour per address (many
# phones share one address behind a carrier's NAT); ten sign-in tries an hour per phone; ten reports
# an hour per citizen, and thirty submissions an hour counting the ones that failed.
CODE_PER_PHONE = (Rule(1, 60), Rule(5, 3600))
CODE_PER_IP = (Rule(20, 3600),)
VERIFY_PER_PHONE = (Rule(10, 3600),)
VERIFY_PER_IP = (Rule(60, 3600),)
REPORTS_PER_CITIZEN = (Rule(10, 3600),)
SUBMISSIONS_PER_CITIZEN = (Rule(30, 3600),)

PHONE = re.compile(r"1[3-9]\d{9}")
CODE = re.compile(r"\d{6}")


class SignInError(Exception):
    """The sign-in step failed; the message is shown to the citizen as it is."""


def normalise_phone(raw: str | None) -> str:
    """A mainland mobile number as 11 digits ("+86 138-0000-0000" → "13800000000")."""
    phone = re.sub(r"[\s\-()]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if not PHONE.fullmatch(phone):
        raise SignInError("请输入正确的 11 位手机号码（以 1 开头）")
    return phone


def mask(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def citizen_actor(citizen: Citizen, ip: str | None = None) -> Actor:
    return Actor(label=f"citizen:{mask(citizen.phone)}", ip=ip)


def _digest(phone: str, code: str) -> str:
    # Keyed with SECRET_KEY: a million possible codes are no secret against a plain hash.
    return salted_hmac("gridgov.citizens.otp", f"{phone}:{code}", algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    phone: str
    expires_at: datetime
    shown_code: str | None  # the code itself when the demo shows it on screen, else None


def request_code(raw_phone: str, *, ip: str | None) -> IssuedCode:
    """A new sign-in code for the phone (any older one stops counting), sent or shown."""
    phone = normalise_phone(raw_phone)
    if Citizen.objects.filter(phone=phone, is_blocked=True).exists():
        raise SignInError("该手机号已停用，如有疑问请拨打 12345 咨询")
    take(Bucket("code:phone", phone, CODE_PER_PHONE), Bucket("code:ip", ip or "-", CODE_PER_IP))
    code = f"{secrets.randbelow(10**6):06d}"
    now = clock.now()
    otp = OneTimeCode.objects.create(
        phone=phone, code_hash=_digest(phone, code), expires_at=now + CODE_TTL, created_at=now
    )
    try:
        shown = send_code(phone, code, int(CODE_TTL.total_seconds() // 60))
    except SmsError as exc:
        otp.delete()
        raise SignInError(str(exc)) from exc
    return IssuedCode(phone, otp.expires_at, code if shown else None)


def verify_code(raw_phone: str, raw_code: str | None, *, ip: str | None) -> Citizen:
    """The citizen of the phone (created on first sign-in) if `raw_code` is its newest code, unused,
    unexpired and within its tries; SignInError otherwise."""
    phone = normalise_phone(raw_phone)
    code = (raw_code or "").strip()
    if not CODE.fullmatch(code):
        raise SignInError("请输入 6 位数字验证码")
    take(Bucket("verify:phone", phone, VERIFY_PER_PHONE), Bucket("verify:ip", ip or "-", VERIFY_PER_IP))
    now = clock.now()
    otp = OneTimeCode.objects.filter(phone=phone).order_by("-created_at", "-id").first()
    if otp is None:
        raise SignInError("请先获取验证码")
    if otp.used_at is not None:
        raise SignInError("该验证码已使用过，请重新获取")
    if otp.expires_at <= now:
        raise SignInError("验证码已过期（5 分钟内有效），请重新获取")
    # Every try is counted before the comparison, with a conditional UPDATE, so that parallel
    # guesses cannot get past the limit.
    counted = OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True, attempts__lt=MAX_TRIES).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        raise SignInError("验证码输错次数过多，请重新获取")
    if not constant_time_compare(otp.code_hash, _digest(phone, code)):
        left = MAX_TRIES - otp.attempts - 1
        if left > 0:
            raise SignInError(f"验证码不正确，还可以再试 {left} 次")
        raise SignInError("验证码不正确，输错次数过多，请重新获取")
    if not OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=now):
        raise SignInError("该验证码已使用过，请重新获取")
    with transaction.atomic():
        citizen, created = Citizen.objects.get_or_create(phone=phone)
        if citizen.is_blocked:
            raise SignInError("该手机号已停用，如有疑问请拨打 12345 咨询")
        citizen.last_seen_at = now
        citizen.save(update_fields=["last_seen_at", "updated_at"])
        record(citizen_actor(citizen, ip), "citizen.sign_in", citizen, summary={"new": created})
    return citizen


def touch(citizen: Citizen, every: timedelta = timedelta(minutes=5)) -> None:
    """Note that the citizen is using the site (at most one write per `every`)."""
    now = clock.now()
    if citizen.last_seen_at is None or now - citizen.last_seen_at >= every:
        Citizen.objects.filter(pk=citizen.pk).update(last_seen_at=now)
        citizen.last_seen_at = now


def submit_report(citizen: Citizen, report: Report, *, ip: str | None) -> IntakeResult:
    """Hand a citizen's report to intake, within the citizen's hourly limits. A retry with the same
    idempotency key returns the first event; it, and a refused report, does not count."""
    take(Bucket("report-try:citizen", str(citizen.pk), SUBMISSIONS_PER_CITIZEN))
    ticket = take(Bucket("report:citizen", str(citizen.pk), REPORTS_PER_CITIZEN))
    try:
        result = report_event(citizen_actor(citizen, ip), report, citizen=citizen)
    except EventError:
        ticket.give_back()
        raise
    if not result.created:
        ticket.give_back()
    return result


def purge_expired() -> int:
    """Forget sign-in codes and rate-limit hits nobody needs any more (minimum retention)."""
    deleted, _ = OneTimeCode.objects.filter(created_at__lt=clock.now() - KEEP_CODES_FOR).delete()
    return deleted + purge_old_hits()
