import contextlib
import socket

import pytest


@pytest.fixture
def unanswered_port():
    """A loopback port whose listen queue is full: a connect there waits (its SYN is dropped), as to
    a host that is down or firewalled, until the client's connect timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):  # completes in the kernel's queue, never accepted
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for sock in (*fillers, server):
        sock.close()
