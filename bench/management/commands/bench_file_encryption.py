"""Benchmark: the cost of encrypting uploaded files at rest (common/encrypted_files.py).

Fernet is one-shot, so a file is encrypted and decrypted whole in memory. For each size (up to
CLIENT_FILE_MAX_BYTES) this saves, reads back and rotates one file of random bytes in a temporary
directory (deleted afterwards; no database) and prints the wall time and the Python heap peak of each
step (tracemalloc: the Python heap's peak, the random plaintext the bench holds included).
"""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand

from bench.harness import Column, Table
from common.encrypted_files import EncryptedFileSystemStorage, reencrypt_file

MB = 1024 * 1024


def _measured(call) -> tuple[float, float, object]:
    tracemalloc.reset_peak()
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, tracemalloc.get_traced_memory()[1] / MB, result


class Command(BaseCommand):
    help = "Wall time and heap peak of saving, reading and rotating an encrypted file, up to CLIENT_FILE_MAX_BYTES."

    def handle(self, *args, **options):
        limit = settings.CLIENT_FILE_MAX_BYTES
        sizes = sorted({size for size in (1 * MB, 5 * MB) if size < limit} | {limit})
        table = Table(
            Column("file MB", 8, ".1f"),
            Column("save ms", 9, ".0f"),
            Column("save peak MB", 13, ".0f"),
            Column("read ms", 9, ".0f"),
            Column("read peak MB", 13, ".0f"),
            Column("rotate ms", 10, ".0f"),
            Column("rotate peak MB", 15, ".0f"),
            write=self.stdout.write,
        )
        table.header()
        with tempfile.TemporaryDirectory(prefix="bench-file-encryption-") as directory:
            storage = EncryptedFileSystemStorage(location=directory)
            tracemalloc.start()
            try:
                for size in sizes:
                    data = os.urandom(size)
                    save_ms, save_peak, name = _measured(lambda data=data: storage.save("file.bin", ContentFile(data)))
                    read_ms, read_peak, back = _measured(lambda name=name: storage.open(name).read())
                    if back != data:
                        raise SystemExit("the file read back differs from the one saved")
                    del back
                    path = Path(storage.path(name))
                    rotate_ms, rotate_peak, _ = _measured(lambda path=path: reencrypt_file(path))
                    table.row(size / MB, save_ms, save_peak, read_ms, read_peak, rotate_ms, rotate_peak)
                    storage.delete(name)
            finally:
                tracemalloc.stop()
