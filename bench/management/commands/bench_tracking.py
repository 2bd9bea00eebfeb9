"""Benchmark of the tracking hot paths through a real server: open pixel, click redirect, SendGrid batches.

    manage.py bench_tracking [--duration 12] [--rounds 4] [--concurrency 32] [--results 2000] [--batches 10]
                             [--keep-alive] [--process web] [--worker-class K --workers N --threads T]

Starts gunicorn as production runs it: the gunicorn options of the Procfile's ``web`` process (worker
class, workers, threads; ``--process`` names another line, the worker flags override them for an
experiment) and ./gunicorn.conf.py, with production settings plus the bench app, DEBUG off
(bench/production_settings.py), on 127.0.0.1, next to the bench's plain "204" Django view
(bench/views.py) as the ceiling (the floor any Django request costs) and a bare WSGI route that never
enters Django (bench/wsgi.py: what gunicorn, the client and the machine cost alone), and drives it from a second
process (bench/load_client.py, a bounded asyncio client, one connection per request).
For the ceiling, the pixel and the click it prints requests/s, p50/p95/p99, the ratio to the ceiling,
the server's CPU per request (its process group, from /proc: the machine's other load hardly moves it)
and a latency histogram; then it posts SendGrid webhook batches of 1,000 events (signed with a key
pair made for the run), drains the queue like the ``ingest_tracking_events`` task and prints the events
stored against the events sent.

Benchmark data (a user, a campaign, its results and their events) lives in the database named by
DATABASE_URL and is deleted at the end; events go to a Redis list of their own. Figures depend on the
machine; nothing is asserted.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shlex
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from apps.accounts.models import User
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
from apps.campaigns.tracking import click_url, open_pixel_url
from apps.tracking.models import TrackingEvent
from apps.tracking.services import tracking_queue_drain
from bench.harness import BARE_WSGI_PATH, ROOT, BenchError, Gunicorn, free_port, percentile

TARGET_SHARE = 0.85  # of the ceiling's requests/s (issue 18)
TARGET_P99_MS = 50.0
# Upper edges (ms) of the latency histogram's buckets; the last bucket is everything slower.
HISTOGRAM_MS = (5, 10, 20, 50, 100, 200, 500, 1000)
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def _combine(runs: list[dict]) -> dict:
    latencies = sorted(x for run in runs for x in run["latencies_ms"])
    seconds = sum(run["seconds"] for run in runs)
    statuses: dict[str, int] = {}
    for run in runs:
        for code, n in run["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n

    def pct(share: float) -> float:
        return percentile(latencies, share) if latencies else 0.0

    return {
        "latencies_ms": latencies,
        "requests": len(latencies),
        "errors": sum(run["errors"] for run in runs),
        "statuses": statuses,
        "seconds": seconds,
        "rps": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "server_cpu_seconds": sum(run["server_cpu_seconds"] for run in runs),
        "client_cpu_seconds": sum(run["cpu_seconds"] for run in runs),
    }


def procfile_gunicorn(process: str) -> tuple[str, list[str]]:
    """The application and gunicorn options of a Procfile process, without its address and access log
    (the bench binds its own port and logs warnings only): the server config production runs."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{process}:"):
            words = shlex.split(line.split(":", 1)[1])
            break
    else:
        raise BenchError(f"the Procfile has no {process!r} process")
    try:
        start = next(n for n, word in enumerate(words) if word.endswith("/gunicorn") or word == "gunicorn")
    except StopIteration:
        raise BenchError(f"the Procfile's {process!r} process does not run gunicorn") from None
    app, options, dropped = words[start + 1], [], {"--bind", "-b", "--access-logfile", "--error-logfile"}
    rest = iter(words[start + 2 :])
    for word in rest:
        if word in dropped:
            next(rest, None)
        elif word.split("=", 1)[0] not in dropped:
            options.append(word)
    return app, options


def _override(options: list[str], names: tuple[str, ...], value) -> list[str]:
    """``options`` with the flag ``names`` set to ``value`` (None: left as it is)."""
    if value is None:
        return options
    kept, rest = [], iter(options)
    for word in rest:
        if word in names:
            next(rest, None)
        elif word.split("=", 1)[0] not in names:
            kept.append(word)
    return [*kept, names[0], str(value)]


def _option(options: list[str], names: tuple[str, ...], default: str) -> str:
    for n, word in enumerate(options):
        if word in names and n + 1 < len(options):
            return options[n + 1]
        if word.split("=", 1)[0] in names and "=" in word:
            return word.split("=", 1)[1]
    return default


def process_group_cpu_seconds(group: int) -> float:
    """User + system CPU of every live process in a process group (gunicorn's master and workers),
    threads included, from /proc: what the server itself burned, whatever else the machine runs."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if int(fields[2]) == group:  # after the name: state, ppid, pgrp, ..., utime (11), stime (12)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class Command(BaseCommand):
    help = (
        "Requests/s, p50/p95/p99, histogram and CPU per request of the open pixel and click redirect vs a plain "
        "204 view and a bare WSGI app, on the Procfile's server; webhook batches."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=float, default=12.0, help="seconds of load per endpoint")
        parser.add_argument(
            "--concurrency", type=int, default=32, help="connections in flight (issue 18 measures with 32)"
        )
        parser.add_argument("--results", type=int, default=2000, help="campaign results the requests spread over")
        parser.add_argument("--rounds", type=int, default=4, help="ceiling/pixel/click interleaved this often")
        parser.add_argument("--batches", type=int, default=10, help="SendGrid webhook posts of 1,000 events")
        parser.add_argument(
            "--keep-alive",
            action="store_true",
            help="each connection sends request after request (a proxy in front); default: one connection per "
            "request, as mail clients fetch images",
        )
        parser.add_argument(
            "--process", default="web", help="the Procfile process whose gunicorn options the server runs with"
        )
        parser.add_argument("--workers", type=int, default=None, help="override the Procfile's gunicorn workers")
        parser.add_argument(
            "--worker-class",
            default=None,
            help="override the Procfile's worker class: sync, gthread, or uvicorn_worker.UvicornWorker (ASGI)",
        )
        parser.add_argument("--threads", type=int, default=None, help="override the Procfile's threads per worker")

    def handle(self, *args, **options):
        self.options = options
        self.queue_key = f"tracking:bench:{uuid.uuid4().hex[:8]}"
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_key = base64.b64encode(der).decode()
        self.signing_key = secrets.token_hex(16)
        self.port = free_port()
        with override_settings(
            TRACKING_QUEUE_KEY=self.queue_key,
            TRACKING_SIGNING_KEY=self.signing_key,
            PUBLIC_BASE_URL=f"http://127.0.0.1:{self.port}",
        ):
            campaign, results = self._data(options["results"])
            server = None
            try:
                server = self._start_server()
                self.server_group = server.process.pid  # started in a session of its own: its group
                self._run(campaign, results)
            except BenchError as exc:
                raise CommandError(str(exc)) from exc
            finally:
                if server is not None:
                    server.stop()
                self._cleanup(campaign)

    # -------------------------------------------------------------------------------- setup

    def _data(self, count: int):
        user = User.objects.create_user(email=f"bench-tracking-{uuid.uuid4().hex[:8]}@example.co.kr", password=None)
        template = CampaignTemplate.objects.create(name="bench", title="bench", body="<p>bench</p>", user=user)
        campaign = Campaign.objects.create(
            name="bench_tracking", template=template, user=user, status=Campaign.Status.IN_PROGRESS
        )
        sent_at = datetime.now(tz=UTC) - timedelta(hours=1)
        results = CampaignLeadResult.objects.bulk_create(
            [
                CampaignLeadResult(
                    campaign=campaign,
                    email=f"bench{n}@bench.example.co.kr",
                    status=CampaignLeadResult.Status.SENT,
                    sent=True,
                    sent_at=sent_at,
                    provider="sendgrid",
                    provider_message_id=uuid.uuid4().hex[:22],
                )
                for n in range(count)
            ],
            batch_size=1000,
        )
        return campaign, results

    def _cleanup(self, campaign) -> None:
        from apps.tracking.connections import tracking_redis

        user = campaign.user
        campaign.delete()  # results and events cascade
        CampaignTemplate.objects.filter(user=user).delete()
        user.delete()
        tracking_redis().delete(self.queue_key, self.queue_key + ":processing", self.queue_key + ":dead")
        self.stdout.write("(benchmark data deleted)")

    def _start_server(self) -> Gunicorn:
        env = os.environ.copy()
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.production_settings",
                "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_urlsafe(40),
                "DEBUG": "false",
                "SECURE_SSL_REDIRECT": "false",
                "TRACKING_QUEUE_KEY": self.queue_key,
                "TRACKING_SIGNING_KEY": self.signing_key,
                "SENDGRID_WEBHOOK_PUBLIC_KEY": self.public_key,
                "LOG_LEVEL": "WARNING",
            }
        )
        app, options = procfile_gunicorn(self.options["process"])
        options = _override(options, ("--worker-class", "-k"), self.options["worker_class"])
        options = _override(options, ("--workers", "-w"), self.options["workers"])
        options = _override(options, ("--threads",), self.options["threads"])
        worker_class = _option(options, ("--worker-class", "-k"), "sync")
        if "uvicorn" in worker_class.lower():  # uvicorn workers serve the ASGI application (no bare route)
            app = "salesone.asgi:application"
            self.bare = False
        elif app == "salesone.wsgi:application":  # the same application plus the bare route
            app = "bench.wsgi:application"
            self.bare = True
        else:
            raise BenchError(f"the Procfile's {self.options['process']!r} process serves {app}, not the project")
        overridden = any(self.options[key] is not None for key in ("workers", "worker_class", "threads"))
        self.server_line = (
            f"gunicorn {app} {' '.join(options)} (Procfile {self.options['process']!r}"
            f"{', overridden' if overridden else ''}; ./gunicorn.conf.py)"
        )
        return Gunicorn(
            app=app,
            port=self.port,
            env=env,
            args=[*options, "--log-level", "warning"],
            ready_path="/api/t/ceiling/",
            ready_statuses=(204,),
        )

    # ------------------------------------------------------------------------------------ load

    def _load(self, requests: list, *, duration: float | None = None, count: int | None = None, concurrency=None):
        plan = {
            "host": "127.0.0.1",
            "port": self.port,
            "concurrency": concurrency or self.options["concurrency"],
            "duration": duration,
            "count": count,
            "requests": requests,
            "keep_alive": self.options["keep_alive"],
        }
        cpu_before = process_group_cpu_seconds(self.server_group)
        done = subprocess.run(
            [sys.executable, "-m", "bench.load_client"],
            input=json.dumps(plan),
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        stats = json.loads(done.stdout)
        stats["server_cpu_seconds"] = process_group_cpu_seconds(self.server_group) - cpu_before
        return stats

    def _line(self, name: str, stats: dict, ceiling: dict | None = None) -> None:
        ratio = f"  {stats['rps'] / ceiling['rps']:.0%} of ceiling" if ceiling and ceiling["rps"] else ""
        codes = ",".join(f"{code}×{n}" for code, n in sorted(stats["statuses"].items()))
        p95 = f"  p95 {stats['p95_ms']:6.1f} ms" if "p95_ms" in stats else ""
        self.stdout.write(
            f"{name:<22} {stats['rps']:8.0f} req/s  p50 {stats['p50_ms']:6.1f} ms{p95}  p99 {stats['p99_ms']:6.1f} ms"
            f"  ({stats['requests']} requests, {codes}, {stats['errors']} errors){ratio}"
        )

    def _cpu(self, combined: dict[str, dict]) -> None:
        """CPU per request: what each endpoint costs the server, free of the machine's other load."""
        ceiling = combined["ceiling"]
        base = ceiling["server_cpu_seconds"] / ceiling["requests"] if ceiling["requests"] else 0.0
        for name, stats in combined.items():
            if not stats["requests"]:
                continue
            server = stats["server_cpu_seconds"] / stats["requests"]
            client = stats["client_cpu_seconds"] / stats["requests"]
            relative = f" = {server / base:.0%} of the ceiling's" if base and name != "ceiling" else ""
            self.stdout.write(
                f"{name:<8} server CPU {server * 1000:5.2f} ms/request{relative}; the load client's own "
                f"{client * 1000:4.2f} ms/request; on {os.cpu_count()} idle cores the server alone would "
                f"answer <= {os.cpu_count() / server if server else 0:,.0f} req/s"
            )

    def _histogram(self, combined: dict[str, dict]) -> None:
        edges = [f"<={edge}" for edge in HISTOGRAM_MS] + [f">{HISTOGRAM_MS[-1]}"]
        self.stdout.write("latency histogram (share of requests, ms): " + " ".join(f"{e:>6}" for e in edges))
        for name, stats in combined.items():
            counts = [0] * (len(HISTOGRAM_MS) + 1)
            for latency in stats["latencies_ms"]:
                counts[next((n for n, edge in enumerate(HISTOGRAM_MS) if latency <= edge), len(HISTOGRAM_MS))] += 1
            total = len(stats["latencies_ms"]) or 1
            self.stdout.write(f"  {name:<40} " + " ".join(f"{100 * c / total:5.1f}%" for c in counts))

    def _littles_law(self, combined: dict[str, dict]) -> None:
        """In a closed loop each connection sends its next request when the last is answered, so the
        mean latency is connections / throughput (Little's law) whatever the server does."""
        connections = self.options["concurrency"]
        ceiling = combined["ceiling"]["rps"]
        if not ceiling:
            return
        needed = connections / (TARGET_P99_MS / 1000)
        self.stdout.write(
            f"closed loop of {connections} connections: mean latency = {connections} / throughput "
            f"(Little's law), whatever the server does: the ceiling's {ceiling:,.0f} req/s is "
            f"{1000 * connections / ceiling:.0f} ms on average; the mean is under {TARGET_P99_MS:.0f} ms only "
            f"above {needed:,.0f} req/s, and a p99 under {TARGET_P99_MS:.0f} ms needs that with a tail no "
            f"longer than the mean"
        )
        if "bare" in combined:
            bare = combined["bare"]
            self.stdout.write(
                f"the bare WSGI app (no Django, same gunicorn) in this run: {bare['rps']:,.0f} req/s, p99 "
                f"{bare['p99_ms']:.1f} ms: the p99 the server, the client and this machine's load allow at best"
            )

    def _run(self, campaign, results) -> None:
        duration = self.options["duration"]
        pixel_paths = [[("GET", urlsplit(open_pixel_url(r.id)).path, {"User-Agent": BROWSER}, "")] for r in results]
        click_paths = []
        for n, r in enumerate(results):
            parts = urlsplit(click_url(f"https://shop.example.co.kr/item?id={n % 50}", r.id))
            click_paths.append(("GET", f"{parts.path}?{parts.query}", {"User-Agent": BROWSER}, ""))
        pixel_requests = [p[0] for p in pixel_paths]

        self.stdout.write(
            f"server: {self.server_line} on 127.0.0.1:{self.port}; "
            f"client: separate process, {self.options['concurrency']} concurrent "
            f"{'keep-alive connections' if self.options['keep_alive'] else 'connections (one per request)'}, "
            f"{duration:.0f} s per "
            f"endpoint in {self.options['rounds']} interleaved rounds; load average {_load_average()}"
        )
        self._load([("GET", "/api/t/ceiling/", {}, "")], duration=1.5)  # warm up both workers
        self._load(pixel_requests[:50], duration=1.0)
        self._drain()
        TrackingEvent.objects.filter(campaign=campaign).delete()

        # Interleaved rounds: on a shared machine the load of others drifts; each endpoint sees the same drift.
        # The order rotates every round, so no endpoint always runs first or right after another one.
        rounds = self.options["rounds"]
        plans = {
            "ceiling": [("GET", "/api/t/ceiling/", {"User-Agent": BROWSER}, "")],
            "pixel": pixel_requests,
            "click": click_paths,
        }
        if self.bare:
            plans = {"bare": [("GET", BARE_WSGI_PATH, {"User-Agent": BROWSER}, "")], **plans}
        names = list(plans)
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for n in range(rounds):
            for name in names[n % len(names) :] + names[: n % len(names)]:
                runs[name].append(self._load(plans[name], duration=duration / rounds))
        combined = {name: _combine(runs[name]) for name in names}
        ceiling, pixel, click = combined["ceiling"], combined["pixel"], combined["click"]
        self.stdout.write(
            f"targets: pixel and click >= {TARGET_SHARE:.0%} of the ceiling (median of the per-round ratios), "
            f"p99 <= {TARGET_P99_MS:.0f} ms, 0 events lost"
        )
        if self.bare:
            self._line("bare WSGI (no Django)", combined["bare"], ceiling)
        self._line("ceiling (plain 204)", ceiling)
        self._line("open pixel", pixel, ceiling)
        self._line("click redirect", click, ceiling)
        self._medians(runs)
        self._cpu(combined)
        self._histogram(
            {
                **({"bare WSGI (no Django)": combined["bare"]} if self.bare else {}),
                "ceiling (plain 204)": ceiling,
                "open pixel": pixel,
                "click redirect": click,
            }
        )
        self._littles_law(combined)
        self.stdout.write(f"load average after the load: {_load_average()}")

        sent = pixel["statuses"].get("200", 0) + click["statuses"].get("302", 0)
        started = time.perf_counter()
        drained = self._drain()
        seconds = time.perf_counter() - started
        stored = TrackingEvent.objects.filter(campaign=campaign, source__in=["pixel", "redirect"]).count()
        self.stdout.write(
            f"pixel+click events: sent {sent}, stored {stored} ({'all stored' if stored == sent else 'MISSING'}); "
            f"batch writer drained {drained} in {seconds:.2f} s = {drained / seconds if seconds else 0:.0f} events/s"
        )
        self._webhooks(campaign, results)

    def _medians(self, runs: dict[str, list[dict]]) -> None:
        """Each round's rate against the ceiling of the same round: the machine's drift cancels out."""
        for name in ("pixel", "click"):
            ratios = [run["rps"] / base["rps"] for run, base in zip(runs[name], runs["ceiling"], strict=True)]
            share = statistics.median(ratios)
            p95 = statistics.median(run["p95_ms"] for run in runs[name])
            p99 = statistics.median(run["p99_ms"] for run in runs[name])
            verdict = "met" if share >= TARGET_SHARE and p99 <= TARGET_P99_MS else "MISSED"
            self.stdout.write(
                f"{name:<6} median of {len(ratios)} rounds: {statistics.median(r['rps'] for r in runs[name]):.0f} "
                f"req/s = {share:.0%} of the same round's ceiling "
                f"({', '.join(f'{r:.0%}' for r in ratios)}), p95 {p95:.1f} ms, p99 {p99:.1f} ms "
                f"(ceiling's {statistics.median(r['p95_ms'] for r in runs['ceiling']):.1f} / "
                f"{statistics.median(r['p99_ms'] for r in runs['ceiling']):.1f} ms): {verdict}"
            )

    def _drain(self) -> int:
        total = 0
        while True:
            stats = tracking_queue_drain(max_batches=100)
            total += stats.events
            if not stats.events:
                return total

    def _webhooks(self, campaign, results) -> None:
        batches = self.options["batches"]
        requests = []
        now = int(time.time())
        for b in range(batches):
            events = []
            for i in range(1000):
                result = results[(b * 1000 + i) % len(results)]
                kind = ("delivered", "open", "click", "deferred")[i % 4]
                events.append(
                    {
                        "email": result.email,
                        "timestamp": now - 60 + i % 60,
                        "event": kind,
                        "sg_event_id": uuid.uuid4().hex,
                        "sg_message_id": f"{result.provider_message_id}.filter0001.1.0",
                        "result_id": str(result.id),
                        "campaign_id": str(campaign.id),
                        "useragent": BROWSER,
                        "ip": "211.36.140.7",
                        **({"url": "https://shop.example.co.kr/"} if kind == "click" else {}),
                    }
                )
            body = json.dumps(events, separators=(",", ":")).encode() + b"\r\n"
            timestamp = str(int(time.time()))
            signature = self.private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
            headers = {
                "Content-Type": "application/json",
                "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
                "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
            }
            requests.append(("POST", "/api/webhooks/sendgrid/", headers, body.decode("latin-1")))
        stats = self._load(requests, count=batches, concurrency=2)
        self._line("sendgrid batch ×1000", stats)
        self.stdout.write(f"  = {stats['rps'] * 1000:.0f} webhook events/s accepted (queued)")
        started = time.perf_counter()
        drained = self._drain()
        seconds = time.perf_counter() - started
        stored = TrackingEvent.objects.filter(campaign=campaign, source="sendgrid").count()
        sent = batches * 1000 if stats["statuses"].get("200") == batches else stats["statuses"].get("200", 0) * 1000
        self.stdout.write(
            f"webhook events: sent {sent}, stored {stored} ({'all stored' if stored == sent else 'MISSING'}); "
            f"batch writer {drained} in {seconds:.2f} s = {drained / seconds if seconds else 0:.0f} events/s"
        )


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
