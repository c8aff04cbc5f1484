"""A lean closed-loop HTTP load generator, run in its own process by `intake_throughput`.

`python -m bench.loadgen SPEC.json` reads what to post and for how long, runs `clients` threads,
each on one keep-alive connection posting its next request as soon as the previous answer is in,
and prints one JSON line: {"ok": n, "errors": n, "latencies": [seconds, …], "statuses": {…},
"cpu_seconds": s}.

It is a separate process so that the benchmark process (which holds Django, the seeded data and the
result bookkeeping) never shares a GIL with the clients, and it speaks HTTP/1.1 over a plain socket
with pre-encoded headers, so that its own CPU use per request (which the server has to share the
two cores with) stays a small fraction of even the bare endpoint's.

SPEC: {"port": 8765, "path": "/bench/bare", "token": "ggv_…", "duration": 10.0, "clients": 4,
       "seed": 1, "points": [[lon, lat], …], "examples": ["…", …]}
With no examples every request posts `{}`; otherwise a report at a random point with a random
example text and a fresh idempotency key, as a hotline system would send it.
"""

import json
import random
import socket
import sys
import threading
import time


def _bodies(spec: dict, index: int):
    if not spec.get("examples"):
        while True:
            yield b"{}"
    rng = random.Random(spec.get("seed", 0) * 1000 + index)
    points, examples = spec["points"], spec["examples"]
    serial = 0
    while True:
        serial += 1
        lon, lat = rng.choice(points)
        yield json.dumps(
            {
                "channel": "hotline",
                "description": rng.choice(examples),
                "lon": lon,
                "lat": lat,
                "idempotency_key": f"bench-{spec.get('seed', 0)}-{index}-{serial}",
            },
            ensure_ascii=False,
        ).encode()


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _open(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def post(self, head: bytes, body: bytes) -> int:
        if self.sock is None:
            self.sock = self._open()
        try:
            self.sock.sendall(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            return self._read()
        except (ConnectionError, TimeoutError, OSError):
            self.close()
            raise

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def _read(self) -> int:
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if b"content-length" not in headers:
            raise ConnectionError("response without Content-Length")
        length = int(headers[b"content-length"])
        while len(self.buffer) < length:
            self._recv()
        self.buffer = self.buffer[length:]
        if headers.get(b"connection") == b"close":
            self.close()
        return status

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def run(spec: dict) -> dict:
    head = (
        f"POST {spec['path']} HTTP/1.1\r\nHost: 127.0.0.1:{spec['port']}\r\n"
        f"Authorization: Bearer {spec['token']}\r\nContent-Type: application/json\r\n"
        "Content-Length: "
    ).encode()
    stop_at = time.perf_counter() + spec["duration"]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0
    lock = threading.Lock()

    def client(index: int) -> None:
        nonlocal errors
        connection = Connection(spec["port"])
        bodies = _bodies(spec, index)
        mine, seen, failed = [], {}, 0
        while time.perf_counter() < stop_at:
            body = next(bodies)
            started = time.perf_counter()
            try:
                status = connection.post(head, body)
            except (ConnectionError, TimeoutError, OSError):
                status = 0
            elapsed = time.perf_counter() - started
            seen[str(status)] = seen.get(str(status), 0) + 1
            if status in (200, 201):
                mine.append(elapsed)
            else:
                failed += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed
            for key, count in seen.items():
                statuses[key] = statuses.get(key, 0) + count

    threads = [threading.Thread(target=client, args=(i,)) for i in range(spec["clients"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "ok": len(latencies),
        "errors": errors,
        "latencies": latencies,
        "statuses": statuses,
        "cpu_seconds": time.process_time(),  # this generator's own CPU, to show what it took
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as spec_file:
        print(json.dumps(run(json.load(spec_file))))
