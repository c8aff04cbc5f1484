"""intake_throughput: event creation over HTTP under a bounded loopback load.

A gunicorn server runs the project; a fixed number of client threads post for DURATION seconds.
Ours: POST /api/v1/events (classify + locate + duplicates + route + deadline + history + audit +
notification). Baseline: POST /bench/bare on the same server, which inserts one row.
Goals: throughput ≥ 0.4 × bare, p99 latency ≤ 4 × bare p99.

Runs on a throw-away PostgreSQL database when the local server answers (production's database):
SQLite serialises writers, so under concurrent load it measures its own lock. Set DATABASE_URL to
choose the database yourself.
"""

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
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
DURATION = 30.0
# One thread per worker process: SQLite has one writer at a time, and threads that queue on its lock
# only add busy-wait latency. Two processes for two cores.
WORKERS = 2
PORT = 8765


def _wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("benchmark server did not start")


def _load(path: str, token: str, make_body, duration: float) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.time() + duration

    def client(index: int):
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        rng = random.Random(index)
        mine, failed = [], 0
        while time.time() < stop_at:
            body = json.dumps(make_body(rng))
            started = time.perf_counter()
            conn.request(
                "POST", path, body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            )
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status in (200, 201):
                mine.append(elapsed)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors += failed
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors


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
    examples = [e for m in CatalogueVersion.objects.current().matters.all() for e in m.examples]

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for_port(PORT)
        warm = _load(
            "/api/v1/events", token, lambda rng: _event_body(rng, points, examples), 3.0
        )  # load the model
        assert warm[0] > 0, "no intake succeeded during warm-up"
        bare_count, bare_lat, bare_err = _load("/bench/bare", token, lambda rng: {}, DURATION)
        ours_count, ours_lat, ours_err = _load(
            "/api/v1/events", token, lambda rng: _event_body(rng, points, examples), DURATION
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    ours_rps, bare_rps = ours_count / DURATION, bare_count / DURATION
    ratio = ours_rps / bare_rps
    p99_ratio = _p99(ours_lat) / _p99(bare_lat)
    return Result(
        name="intake_throughput",
        value=ours_rps,
        baseline=bare_rps,
        ratio=ratio,
        goal="throughput ratio ≥ 0.4 and p99 ≤ 4× bare p99",
        unit="req/s",
        ok=ratio >= 0.4 and p99_ratio <= 4,
        note=(
            f"{CLIENTS} clients × {DURATION:.0f} s each; p99 {_p99(ours_lat) * 1000:.0f} ms vs bare "
            f"{_p99(bare_lat) * 1000:.0f} ms (×{p99_ratio:.2f}); errors {ours_err}/{bare_err}; "
            f"gunicorn {WORKERS}×1; {connection.vendor}"
        ),
    )


def _event_body(rng: random.Random, points, examples) -> dict:
    point = rng.choice(points)
    return {
        "channel": "hotline",
        "description": rng.choice(examples),
        "lon": point.x,
        "lat": point.y,
        "idempotency_key": f"bench-{rng.random()}",
    }
