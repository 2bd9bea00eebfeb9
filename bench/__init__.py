"""bench: the benchmarks (``manage.py bench_*``, ``chaos_send``) and what they share (harness.py).

Not part of the product: installed only where BENCH_ENABLED is on (development and tests, never
production), and its URL (a plain "204" view, the tracking benchmark's ceiling) is routed only then.
"""
