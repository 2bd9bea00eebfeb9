"""Load generator of ``manage.py bench_tracking``: a bounded asyncio HTTP/1.1 client, run as its own process.

    python -m bench.load_client < plan.json  →  prints one JSON line of results

The plan: ``{"host", "port", "concurrency", "duration" (seconds) or "count" (requests), "requests":
[[method, path, headers, body-as-latin1], ...], "keep_alive": false}``; requests are taken round-robin.
Each request opens a connection (``Connection: close``, as a mail client fetching one image does),
sends the request and reads to the end; with ``keep_alive`` each of the concurrent clients keeps one
connection and sends its requests on it (as a proxy or an image cache in front does). Latency is
measured from sending (from connecting, for a new connection) to the last byte. The client's own CPU
time is reported too: on a small machine it competes with the server.
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


class _Persistent:
    """One keep-alive connection (``"keep_alive": true`` in the plan): requests one after another on
    it, each response read by its Content-Length or chunks; reopened when the server closes it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.streams = None

    async def send(self, raw: bytes) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            if self.streams is None:
                self.streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self.streams
            writer.write(raw)
            await writer.drain()
            status, keep = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self.close()
            raise OSError(str(exc)) from exc
        if not keep:
            self.close()
        return status, time.perf_counter() - started

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Status and whether the connection stays open, after reading one whole response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding") == b"chunked":
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)  # the chunk and its CRLF
        await reader.readuntil(b"\r\n")  # no trailers: the blank line
    elif status != 204 and status != 304 and status >= 200:
        await reader.read()  # delimited by the close
        return status, False
    return status, headers.get(b"connection") != b"close"


def _encode(
    host: str, port: int, method: str, path: str, headers: dict, body: str, *, keep_alive: bool = False
) -> bytes:
    payload = body.encode("latin-1")
    connection = "keep-alive" if keep_alive else "close"
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", f"Connection: {connection}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if payload or method == "POST":
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


async def run(plan: dict) -> dict:
    host, port = plan["host"], plan["port"]
    keep_alive = bool(plan.get("keep_alive"))
    raws = [_encode(host, port, *request, keep_alive=keep_alive) for request in plan["requests"]]
    source = itertools.cycle(raws)
    duration = plan.get("duration")
    remaining = plan.get("count")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    deadline = time.perf_counter() + duration if duration else None

    async def worker():
        nonlocal remaining, errors
        connection = _Persistent(host, port) if keep_alive else None
        while True:
            if deadline is not None and time.perf_counter() >= deadline:
                if connection is not None:
                    connection.close()
                return
            if remaining is not None:
                if remaining <= 0:
                    if connection is not None:
                        connection.close()
                    return
                remaining -= 1
            try:
                raw = next(source)
                status, elapsed = await (connection.send(raw) if connection else _one(host, port, raw))
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
