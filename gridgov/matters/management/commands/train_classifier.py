import time

from django.core.management.base import BaseCommand, CommandError

from gridgov.matters.classifier import invalidate_classifier, model_path, train
from gridgov.matters.models import CatalogueVersion


class Command(BaseCommand):
    help = "用事项清单的关键词和示例重新训练事项分类模型（默认当前发布版本）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--catalogue-version", dest="catalogue_version", type=int, help="清单版本号（默认当前发布版本）"
        )

    def handle(self, *args, catalogue_version: int | None, **options):
        catalogue = (
            CatalogueVersion.objects.filter(number=catalogue_version).first()
            if catalogue_version
            else CatalogueVersion.objects.current()
        )
        if catalogue is None:
            raise CommandError("没有可用的事项清单版本")
        started = time.perf_counter()
        trained = train(catalogue)
        invalidate_classifier()
        self.stdout.write(
            f"已训练 v{catalogue.number}：{len(trained.names)} 个事项，用时 {time.perf_counter() - started:.1f} 秒，"
            f"模型文件 {model_path(catalogue)}"
        )
