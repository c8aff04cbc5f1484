from django.core.management.base import BaseCommand, CommandError

from gridgov.audit.actor import Actor
from gridgov.workcal.services import add_provisional_year


class Command(BaseCommand):
    help = (
        "临时录入某年的工作日历（仅按周末休息，标记为“临时”），使时限计算不中断；"
        "国务院公布节假日安排后，请在管理后台逐日更正。"
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)

    def handle(self, *args, year: int, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"年份 {year} 不在 2000–2100 范围内")
        added = add_provisional_year(year, Actor.system("workcal_provisional_year"))
        if added:
            self.stdout.write(
                f"已临时录入 {year} 年 {added} 天（仅周末休息）。请在管理后台补录法定节假日和调休。"
            )
        else:
            self.stdout.write(f"{year} 年的日历已存在，未做改动。")
