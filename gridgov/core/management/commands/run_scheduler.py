import signal
import time

from django.core.management.base import BaseCommand

from gridgov.core.scheduling import discover, ensure_rows, run_due


class Command(BaseCommand):
    help = "定时任务循环：每隔几秒运行到期的定时任务（可同时运行多个实例，不会重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一轮到期任务后退出")
        parser.add_argument("--interval", type=float, default=5.0, help="两轮之间的秒数（默认 5）")

    def handle(self, *args, once: bool, interval: float, **options):
        jobs = discover()
        ensure_rows(jobs)
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"定时任务：{', '.join(sorted(jobs))}")
        while not stopping:
            ran = run_due(jobs)
            for name in ran:
                self.stdout.write(f"ran {name}")
            if once:
                break
            time.sleep(interval)
