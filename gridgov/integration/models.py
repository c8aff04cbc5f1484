from django.db import models


class WebhookEndpoint(models.Model):
    """An outside system that wants to hear about event state changes. Each delivery is signed
    with HMAC-SHA256 over the body using `secret` (header X-Gridgov-Signature: sha256=<hex>)."""

    name = models.CharField("名称", max_length=80)
    url = models.URLField("地址", max_length=500)
    secret = models.CharField("签名密钥", max_length=128)
    actions = models.JSONField(
        "订阅的动作", default=list, blank=True, help_text='空表示全部，如 ["dispatch", "close"]'
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Webhook 订阅"
        verbose_name_plural = "Webhook 订阅"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, action: str) -> bool:
        return not self.actions or action in self.actions


class WebhookDelivery(models.Model):
    """One message to one endpoint, retried with back-off until delivered or given up; the log."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送"  # due at next_attempt_at
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "已放弃"  # too many failed attempts

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    action = models.CharField("动作", max_length=40)
    event_number = models.CharField("事件编号", max_length=20, db_index=True)
    payload = models.JSONField()
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True, db_index=True)
    last_status = models.PositiveSmallIntegerField("最近响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Webhook 投递记录"
        verbose_name_plural = "Webhook 投递记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.action} {self.event_number} {self.get_state_display()}"
