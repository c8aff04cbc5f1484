"""Registry, timing and the results file shared by every benchmark."""

import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench" / "results.json"


@dataclass
class Result:
    name: str
    value: float
    baseline: float
    ratio: float
    goal: str
    unit: str
    ok: bool
    at: str = ""
    note: str = ""

    def line(self) -> str:
        verdict = "met" if self.ok else "NOT met"
        return (
            f"{self.name}: {self.value:.4g} {self.unit}, baseline {self.baseline:.4g} {self.unit}, "
            f"ratio {self.ratio:.3f} (goal {self.goal}: {verdict}){'  ' + self.note if self.note else ''}"
        )


BENCHMARKS: dict[str, Callable[[], Result]] = {}


def benchmark(name: str):
    def register(func):
        BENCHMARKS[name] = func
        return func

    return register


def median_seconds(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved_medians(ours: Callable, baseline: Callable, repeat: int) -> tuple[float, float]:
    """Median seconds of each, run alternately so that machine noise hits both alike."""
    ours_t, base_t = [], []
    for _ in range(repeat):
        for func, bucket in ((baseline, base_t), (ours, ours_t)):
            started = time.perf_counter()
            func()
            bucket.append(time.perf_counter() - started)
    return statistics.median(ours_t), statistics.median(base_t)


def save(result: Result) -> None:
    result.at = datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    records = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    records.append(asdict(result))
    RESULTS.write_text(json.dumps(records, ensure_ascii=False, indent=1))


LOCAL_POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def use_throwaway_postgres() -> str | None:
    """Point DATABASE_URL at a fresh PostgreSQL database on the local server, if one answers.

    For benchmarks of concurrent writes: production runs on PostgreSQL, while SQLite (the demo
    database) lets one writer at a time and measures its lock, not our code. Returns the name.
    """
    if "DATABASE_URL" in os.environ:
        return None
    try:
        import psycopg

        name = f"gridgov_bench_{os.getpid()}"
        with psycopg.connect(f"{LOCAL_POSTGRES}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:
        return None
    os.environ["DATABASE_URL"] = f"{LOCAL_POSTGRES}/{name}"
    return name


def drop_throwaway_postgres(name: str | None) -> None:
    if not name:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{LOCAL_POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_with_demo_db(scale: str = "full") -> None:
    """Point Django at a fresh SQLite file (unless DATABASE_URL is set), migrate and seed the demo."""
    if "DATABASE_URL" not in os.environ:
        path = Path(tempfile.mkdtemp(prefix="gridgov-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    # No simulated history: benchmarks build exactly the data they measure.
    call_command("seed_demo", "--scale", scale, "--quiet-logins", "--history-days", "0", stdout=io.StringIO())
