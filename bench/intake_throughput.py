"""intake_throughput: event creation over HTTP under a bounded loopback load.

A gunicorn server runs the project; a load generator in its own process (`bench/loadgen.py`) keeps a
fixed number of clients posting, each on a keep-alive connection. Ours: POST /api/v1/events
(classify + locate + duplicates + route + deadline + history + audit + notification + webhook
queue). Baseline: POST /bench/bare on the same server, which inserts one row. The two alternate in
ROUNDS rounds of ROUND_SECONDS each (bare first in odd rounds, ours first in even ones), so that a
neighbour's load on this shared machine hits both alike; the ratio is the median of the rounds'.
Goals: throughput ≥ 0.4 × bare, p99 latency ≤ 4 × bare p99.

Two figures a neighbour's load disturbs much less than throughput come with it: the server's CPU
per request in each round (gunicorn processes plus the PostgreSQL backends of the benchmark
database, read from /proc), and, before the server starts, the same two requests in process
(Django test client, interleaved): the median milliseconds of each and the statements one intake
sends to the database.

Runs on a throw-away PostgreSQL database when the local server answers (production's database):
SQLite serialises writers, so under concurrent load it measures its own lock. Set DATABASE_URL to
choose the database yourself.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .framework import (
    ROOT,
    Result,
    benchmark,
    django_with_demo_db,
    drop_throwaway_postgres,
    use_throwaway_postgres,
)

CLIENTS = 4
ROUNDS = 3
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "10"))  # per endpoint per round
WARM_SECONDS = 3.0
# Two worker processes for two cores; threads let a worker run Python while another request of
# the same worker waits on PostgreSQL, and give keep-alive connections (gunicorn's gthread worker).
WORKERS = 2
THREADS = 4
PORT = 8765
IN_PROCESS_REPEAT = 100


def _wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("benchmark server did not start")


def _load(path: str, token: str, seconds: float, seed: int, points=(), examples=()) -> dict:
    """Run the load generator in its own process for `seconds`; its JSON answer."""
    spec = {
        "port": PORT,
        "path": path,
        "token": token,
        "duration": seconds,
        "clients": CLIENTS,
        "seed": seed,
        "points": [list(p) for p in points],
        "examples": list(examples),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as spec_file:
        json.dump(spec, spec_file, ensure_ascii=False)
        spec_file.flush()
        done = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", spec_file.name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=True,
        )
    return json.loads(done.stdout)


def _statement(sql: str) -> str:
    """`INSERT events_event`, `SELECT accounts_apitoken`, `BEGIN`: what a statement does to what."""
    words = sql.replace('"', "").split()
    verb = words[0].upper() if words else "?"
    if verb == "INSERT" and len(words) > 2:
        return f"INSERT {words[2]}"
    if verb == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1]}"
    if verb == "SELECT" and "FROM" in words[:-1]:
        return f"SELECT {words[words.index('FROM') + 1]}"
    return " ".join(words[:2]).split("(")[0]  # BEGIN, COMMIT, SELECT nextval


def _server_cpu_seconds(server_pid: int, database: str | None) -> float | None:
    """CPU seconds used so far by the gunicorn master and its workers and by the PostgreSQL
    backends connected to `database`: what one request costs the machine, whatever else runs on
    it (Linux only; None elsewhere)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    backend = f" {database} ".encode() if database else None
    ticks = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            title = (entry / "cmdline").read_bytes() if backend else b""
        except OSError:
            continue  # gone meanwhile
        pid, parent = int(entry.name), int(fields[1])
        if server_pid in (pid, parent) or (backend and title.startswith(b"postgres: ") and backend in title):
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@benchmark("intake_throughput")
def run() -> Result:
    throwaway = use_throwaway_postgres()  # PostgreSQL when a local server answers, else SQLite
    try:
        return _run()
    finally:
        drop_throwaway_postgres(throwaway)


def _in_process(token: str, point, matter) -> dict:
    """One intake and one bare insert through Django's test client, alternately: the median
    milliseconds of each and the statements one intake sends (including BEGIN and COMMIT)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    serial = 0

    def intake():
        nonlocal serial
        serial += 1
        body = {
            "channel": "hotline",
            "description": matter.examples[serial % len(matter.examples)],
            "matter_code": matter.code,
            "lon": point.x,
            "lat": point.y,
            "idempotency_key": f"in-process-{os.getpid()}-{serial}",
        }
        response = client.post("/api/v1/events", body, content_type="application/json")
        assert response.status_code == 201, response.content

    def bare():
        response = client.post("/bench/bare", {}, content_type="application/json")
        assert response.status_code == 200, response.content

    with override_settings(ROOT_URLCONF="bench.urls"):
        for _ in range(10):
            intake(), bare()
        with CaptureQueriesContext(connection) as queries:
            intake()
        # Read now: the capture is a slice of the connection's log, which the next request empties.
        statements = [_statement(q["sql"]) for q in queries.captured_queries]
        with CaptureQueriesContext(connection) as queries:
            bare()
        bare_statements = len(queries.captured_queries)
        ours_t, bare_t = [], []
        for _ in range(IN_PROCESS_REPEAT):
            for func, bucket in ((bare, bare_t), (intake, ours_t)):
                started = time.perf_counter()
                func()
                bucket.append(time.perf_counter() - started)
    return {
        "ours_ms": statistics.median(ours_t) * 1000,
        "bare_ms": statistics.median(bare_t) * 1000,
        "queries": statements,
        "bare_queries": bare_statements,
    }


def _run() -> Result:
    django_with_demo_db("full")
    from django.core.management import call_command
    from django.db import connection
    from shapely.geometry import shape

    from gridgov.accounts.models import User
    from gridgov.accounts.services import create_api_token
    from gridgov.audit.actor import Actor
    from gridgov.matters.classifier import current_classifier
    from gridgov.matters.models import CatalogueVersion
    from gridgov.regions.choices import Level
    from gridgov.regions.models import Region

    call_command("collectstatic", "--noinput", verbosity=0)
    current_classifier()  # trains and saves the model file the server will load
    user = User.objects.get(username="county_dispatcher")
    _, token = create_api_token(Actor.system("bench"), user, "bench")
    points = [
        shape(g).representative_point()
        for g in Region.objects.filter(level=Level.GRID).values_list("geometry", flat=True)
    ]
    matters = list(CatalogueVersion.objects.current().matters.all())
    examples = [e for m in matters for e in m.examples]
    # In process: a matter that is checked for duplicates, so that its query is counted too.
    checked = next(m for m in matters if m.duplicate_radius_m > 0 and m.examples)
    in_process = _in_process(token, points[0], checked)

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    coordinates = [(p.x, p.y) for p in points]
    database = connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None
    rounds = []
    try:
        _wait_for_port(PORT)
        # Warm both: the workers load the classifier and the caches, and open their connections.
        warm = _load("/api/v1/events", token, WARM_SECONDS, 0, coordinates, examples)
        assert warm["ok"] > 0, f"no intake succeeded during warm-up: {warm['statuses']}"
        _load("/bench/bare", token, WARM_SECONDS, 0)
        for index in range(ROUNDS):
            sides = {}
            order = ("bare", "ours") if index % 2 == 0 else ("ours", "bare")
            for side in order:
                cpu_before = _server_cpu_seconds(server.pid, database)
                if side == "bare":
                    sides[side] = _load("/bench/bare", token, ROUND_SECONDS, index + 1)
                else:
                    sides[side] = _load(
                        "/api/v1/events", token, ROUND_SECONDS, index + 1, coordinates, examples
                    )
                cpu_after = _server_cpu_seconds(server.pid, database)
                if cpu_before is not None and sides[side]["ok"]:
                    sides[side]["server_cpu_ms"] = (cpu_after - cpu_before) / sides[side]["ok"] * 1000
            rounds.append(sides)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    def rps(side: str) -> list[float]:
        return [r[side]["ok"] / ROUND_SECONDS for r in rounds]

    ours_rps, bare_rps = rps("ours"), rps("bare")
    ratios = [o / b for o, b in zip(ours_rps, bare_rps, strict=True)]
    ratio = statistics.median(ratios)
    ours_lat = [t for r in rounds for t in r["ours"]["latencies"]]
    bare_lat = [t for r in rounds for t in r["bare"]["latencies"]]
    p99_ratio = _p99(ours_lat) / _p99(bare_lat)
    errors = {side: sum(r[side]["errors"] for r in rounds) for side in ("ours", "bare")}
    load_cpu = sum(r[side]["cpu_seconds"] for r in rounds for side in r) / (2 * ROUNDS * ROUND_SECONDS)
    cpu = {
        side: statistics.median(r[side]["server_cpu_ms"] for r in rounds)
        for side in ("ours", "bare")
        if all("server_cpu_ms" in r[side] for r in rounds)
    }
    cpu_note = (
        f"server CPU per request {cpu['ours']:.1f} ms vs bare {cpu['bare']:.1f} ms "
        f"(bare/ours {cpu['bare'] / cpu['ours']:.2f}); "
        if len(cpu) == 2
        else ""
    )
    return Result(
        name="intake_throughput",
        value=statistics.median(ours_rps),
        baseline=statistics.median(bare_rps),
        ratio=ratio,
        goal="throughput ratio ≥ 0.4 and p99 ≤ 4× bare p99",
        unit="req/s",
        ok=ratio >= 0.4 and p99_ratio <= 4,
        note=(
            f"{CLIENTS} clients, {ROUNDS} interleaved rounds × {ROUND_SECONDS:.0f} s each side; "
            f"round ratios {', '.join(f'{r:.2f}' for r in ratios)} (median taken); "
            f"p99 {_p99(ours_lat) * 1000:.0f} ms vs bare {_p99(bare_lat) * 1000:.0f} ms (×{p99_ratio:.2f}); "
            f"errors {errors['ours']}/{errors['bare']}; {cpu_note}load generator {load_cpu:.0%} of a core; "
            f"gunicorn {WORKERS} workers × {THREADS} threads; {connection.vendor}; "
            f"in process {in_process['ours_ms']:.1f} ms vs bare {in_process['bare_ms']:.1f} ms, "
            f"{len(in_process['queries'])} statements per intake ({'; '.join(in_process['queries'])}) "
            f"vs {in_process['bare_queries']}"
        ),
    )
