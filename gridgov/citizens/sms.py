"""How a sign-in code reaches the citizen: the seam a real SMS gateway plugs into.

The demo shows the code on screen (`settings.CITIZEN_OTP_SHOW_ON_SCREEN`, default True here). A real
installation sets it to False and names its gateway in `settings.CITIZEN_SMS_SENDER`: the dotted
path of a function `send(phone: str, text: str) -> None` that raises when the gateway refuses.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class SmsError(Exception):
    """The code could not be sent; the message is shown to the citizen."""


def shows_code_on_screen() -> bool:
    return bool(getattr(settings, "CITIZEN_OTP_SHOW_ON_SCREEN", True))


def code_text(code: str, minutes: int) -> str:
    return f"【基层治理】您的登录验证码为 {code}，{minutes} 分钟内有效。请勿告诉他人；如非本人操作，请忽略本短信。"


def send_code(phone: str, code: str, minutes: int) -> bool:
    """Deliver the code. True when it is to be shown on screen instead (demo), False once sent."""
    if shows_code_on_screen():
        return True
    path = getattr(settings, "CITIZEN_SMS_SENDER", "")
    if not path:
        raise SmsError("短信服务尚未开通，暂时无法发送验证码，请拨打 12345 反映问题")
    try:
        import_string(path)(phone, code_text(code, minutes))
    except Exception as exc:
        log.warning("SMS gateway %s failed for %s****%s", path, phone[:3], phone[-4:], exc_info=True)
        raise SmsError("验证码短信发送失败，请稍后再试") from exc
    return False
