"""Load generator of ``manage.py bench_tracking``: a bounded asyncio HTTP/1.1 client, run as its own process.

    python -m bench.load_client < plan.json  →  prints one JSON line of results

The plan: ``{"host", "port", "concurrency", "duration" (seconds) or "count" (requests), "requests":
[[method, path, headers, body-as-latin1], ...]}``; requests are taken round-robin. Each request opens
a connection (gunicorn's sync workers close it after every response, as they would behind a proxy),
sends the request and reads to the end. Latency is measured from connect to the last byte. The
client's own CPU time is reported too: on a small machine it competes with the server.
No Django here: the client must not share a process (or a GIL) with the server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time

from bench.harness import percentile


async def _one(host: str, port: int, raw: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()  # until the server closes
    finally:
        writer.close()
    elapsed = time.perf_counter() - started
    try:
        status = int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = 0
    return status, elapsed


def _encode(host: str, port: int, method: str, path: str, headers: dict, body: str) -> bytes:
    payload = body.encode("latin-1")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if payload or method == "POST":
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


async def run(plan: dict) -> dict:
    host, port = plan["host"], plan["port"]
    raws = [_encode(host, port, *request) for request in plan["requests"]]
    source = itertools.cycle(raws)
    duration = plan.get("duration")
    remaining = plan.get("count")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    deadline = time.perf_counter() + duration if duration else None

    async def worker():
        nonlocal remaining, errors
        while True:
            if deadline is not None and time.perf_counter() >= deadline:
                return
            if remaining is not None:
                if remaining <= 0:
                    return
                remaining -= 1
            try:
                status, elapsed = await _one(host, port, next(source))
            except OSError:
                errors += 1
                continue
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(elapsed)

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(plan["concurrency"])))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    latencies.sort()

    def pct(share: float) -> float:
        return percentile(latencies, share) * 1000 if latencies else 0.0

    return {
        "latencies_ms": [round(x * 1000, 3) for x in latencies],
        "requests": len(latencies),
        "errors": errors,
        "statuses": statuses,
        "seconds": wall,
        "cpu_seconds": cpu,  # this client's own CPU: it shares the machine with the server
        "rps": len(latencies) / wall if wall else 0.0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] * 1000 if latencies else 0.0,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.load(sys.stdin)))))
