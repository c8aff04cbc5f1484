from django.core.management.base import BaseCommand, CommandError

from gridgov.accounts.models import User
from gridgov.accounts.services import create_api_token
from gridgov.audit.actor import Actor


class Command(BaseCommand):
    help = "为用户签发接口令牌（只显示一次，系统只保存其哈希）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="令牌用途，如“12345 热线对接”")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {username!r} 不存在或已停用")
        _, raw = create_api_token(Actor.system("create_api_token"), user, name)
        self.stdout.write(raw)
        self.stderr.write("请妥善保存：令牌只显示这一次。调用接口时使用请求头 Authorization: Bearer <令牌>")
