from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gridgov.audit.actor import Actor
from gridgov.demo.history import build_history
from gridgov.demo.organisation import (
    CITIZEN_PHONE,
    DEMO_PASSWORD,
    build_personas,
    build_staff,
    build_units,
    personas,
)
from gridgov.demo.territory import SCALES, build_territory
from gridgov.matters.services import ensure_default_catalogue
from gridgov.regions.importing import import_territory


class Command(BaseCommand):
    help = "建立演示县（永康市）：区划、网格、单位和各角色演示账号。同一 seed 结果相同，可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument(
            "--scale", choices=sorted(SCALES), default="full", help="full：约 1,000 个网格；small：测试用"
        )
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号")
        parser.add_argument(
            "--history-days",
            type=int,
            default=None,
            help="生成最近多少天的事件历史（full 默认 30，small 默认 0）",
        )

    def handle(self, *args, seed: int, scale: str, quiet_logins: bool, history_days: int | None, **options):
        actor = Actor.system("seed_demo")
        report = import_territory(build_territory(seed, SCALES[scale]), actor)
        if not report.ok:
            raise CommandError("演示区划校验失败：\n" + "\n".join(str(e) for e in report.errors[:20]))
        units_changed = build_units(actor)
        created = build_personas(actor)
        created += build_staff(actor, seed)
        catalogue = ensure_default_catalogue(actor)
        self.stdout.write(
            f"区划：新建 {report.created}，更新 {report.updated}，未变 {report.unchanged}；"
            f"单位变更 {units_changed}；新建账号 {created}；"
            + (f"已发布默认事项清单 v{catalogue.number}" if catalogue else "事项清单已存在")
        )
        if catalogue is not None:
            call_command("train_classifier", stdout=self.stdout)
        days = history_days if history_days is not None else (30 if scale == "full" else 0)
        if days:
            made = build_history(seed, days=days, per_day=30)
            self.stdout.write(
                f"事件历史：最近 {days} 天新生成 {made} 件" if made else "事件历史已存在，未重复生成"
            )
        if not quiet_logins:
            self.stdout.write(self.style.SUCCESS(f"\n演示账号（密码均为 {DEMO_PASSWORD}）："))
            for p in personas():
                self.stdout.write(f"  {p.username:<22} {p.purpose}")
            self.stdout.write(
                f"  群众端 /citizen/          手机号 {CITIZEN_PHONE}（或任意手机号），验证码直接显示在页面上"
            )
            self.stdout.write(
                "  每个单位另有一个办理账号「单位代码-角色」，如 t001-platform-2-handler（东城街道经济生态平台）"
            )
            self.stdout.write("  工作人员登录：/accounts/login/；网格员登录后进入手机工作台 /field/")
