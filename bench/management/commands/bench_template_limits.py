"""Benchmark: the worst-case time of each known template attack against the bounded renderer.

Compiles (what saving a workflow does) and renders (what preview, send and a workflow node do) each
attack of issue 16 §1 a few times with the limits of the settings, and prints, per attack, the limit
that stopped it and the slowest CPU and wall time seen. Needs no database.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from bench.harness import Column, Table
from common import templating

ATTACKS = {
    "power tower 9**(9**7)": "{{ 9**(9**7) }}",
    "chained powers (10**100)**100": "{{ (10**100)**100 }}",
    "int() of a 4,000-digit string": "{{ ('9' * 4000)|int }}",
    "'a' * 10**7": "{{ 'a' * 10**7 }}",
    "[0] * 10**8": "{{ [0] * 10**8 }}",
    "range(10**9)": "{{ range(10**9)|length }}",
    "nested range loops": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "nested loops writing text": "{% for i in range(300) %}{% for j in range(300) %}0123456789{% endfor %}{% endfor %}",
    "recursive loop": (
        "{% for x in range(99999) recursive %}{% if loop.depth < 3 %}{{ loop(range(99999)) }}{% endif %}{% endfor %}"
    ),
    "'%0999999999d' % 1": "{{ '%0999999999d' % 1 }}",
    "'{:>999999999}'.format(1)": "{{ '{:>999999999}'.format(1) }}",
    "'a'.ljust(10**9)": "{{ 'a'.ljust(10**9) }}",
    "|join with a long separator": "{{ range(100000)|join('x' * 100000) }}",
    "|replace with a long string": "{{ ('a' * 100000)|replace('a', 'b' * 100000) }}",
    "|center(10**9)": "{{ 'a'|center(10**9) }}",
    "|indent(100000)": "{{ ('a\\n' * 100000)|indent(100000) }}",
    "|wordwrap with a long wrapstring": "{{ ('a ' * 50000)|wordwrap(1, wrapstring='x' * 100000) }}",
    "a ~ a of long strings": "{% set a = 'x' * 200000 %}{{ a ~ a }}",
    "[long string] * 100000 printed": "{% set b = 'x' * 1000 %}{{ [b] * 100000 }}",
    "exponential macro recursion": (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"
    ),
}


class Command(BaseCommand):
    help = "Worst-case compile and render time of each known template attack under the TEMPLATE_* limits."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="Renders per attack; the slowest is shown.")

    def handle(self, *args, **options):
        limits = templating.TemplateLimits.from_settings()
        env = templating.environment(autoescape=True)
        self.stdout.write(f"limits: {limits}")
        table = Table(
            Column("attack", 36, align="<"),
            Column("compile ms", 10, ".1f"),
            Column("render cpu ms", 13, ".1f"),
            Column("render wall ms", 14, ".1f"),
            Column("stopped by", align="<", gap="  "),
            write=self.stdout.write,
            rule=False,
        )
        table.header()
        worst_cpu = 0.0
        for name, source in ATTACKS.items():
            started = time.perf_counter()
            template = env.from_string(source)
            compile_ms = (time.perf_counter() - started) * 1000
            cpu_ms = wall_ms = 0.0
            stopped = "nothing (rendered)"
            for _ in range(options["repeat"]):
                wall, cpu = time.perf_counter(), time.thread_time()
                try:
                    templating.render(template, {}, limits)
                except templating.TemplateLimitError as exc:
                    stopped = exc.setting
                except templating.TemplateRenderError as exc:
                    stopped = f"error: {exc}"[:60]
                cpu_ms = max(cpu_ms, (time.thread_time() - cpu) * 1000)
                wall_ms = max(wall_ms, (time.perf_counter() - wall) * 1000)
            worst_cpu = max(worst_cpu, cpu_ms)
            table.row(name, compile_ms, cpu_ms, wall_ms, stopped)
        self.stdout.write(f"worst render CPU time: {worst_cpu:.1f} ms (limit {limits.time_ms} ms)")
