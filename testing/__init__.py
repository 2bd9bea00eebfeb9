"""Test doubles of the outside world (fake provider servers on 127.0.0.1), for tests and benchmarks.

Not part of the shipped product: nothing under apps/, common/ or services/ imports it outside tests
and ``bench_…`` commands.
"""
