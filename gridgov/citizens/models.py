"""Citizen sign-in codes and the rate-limit log. The citizen itself is `accounts.Citizen`."""

from django.db import models


class OneTimeCode(models.Model):
    """A six-digit sign-in code sent to a phone: valid for a few minutes, used once, a few tries.

    Only an HMAC of the code (keyed with the server secret and bound to the phone) is stored, so a
    copy of the database does not let anyone sign in. Only the newest code of a phone counts.
    """

    phone = models.CharField("手机号", max_length=11)
    code_hash = models.CharField("验证码摘要", max_length=64, editable=False)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "登录验证码"
        verbose_name_plural = "登录验证码"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone", "-created_at"], name="otp_phone_newest")]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class RateLimitHit(models.Model):
    """One counted request in a rate-limit bucket (e.g. "code requests of phone X").

    Counted in the database, not in process memory, so that every web worker sees the same count.
    `bucket` is an HMAC of the bucket name and value: the table holds no phone number or address.
    """

    bucket = models.CharField("计数桶", max_length=64)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "频率限制记录"
        verbose_name_plural = "频率限制记录"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["bucket", "created_at"], name="ratelimit_bucket_time")]

    def __str__(self) -> str:
        return f"{self.bucket[:8]} {self.created_at:%Y-%m-%d %H:%M:%S}"
