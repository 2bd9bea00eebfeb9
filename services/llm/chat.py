"""Reading an OpenAI-compatible chat-completions answer, for the personalisation and insights backends:
the body streamed within a byte limit and a deadline, then the model's message out of it."""

from __future__ import annotations

import json
import time


class AnswerTooLarge(Exception):
    """The answer ran over the byte limit."""


class AnswerTooSlow(Exception):
    """The answer was still arriving at the deadline (a server dripping it, each read within its timeout)."""


def read_answer(response, *, limit: int, deadline: float, timeout: float) -> bytes:
    """The body of a streamed ``response``: at most ``limit`` bytes, complete by ``deadline``
    (time.monotonic(); ``timeout`` is the seconds it stands for, for the message)."""
    raw = bytearray()
    for chunk in response.iter_content(8192):
        raw += chunk
        if len(raw) > limit:
            raise AnswerTooLarge(f"the answer is over {limit} bytes")
        if time.monotonic() > deadline:
            raise AnswerTooSlow(f"no complete answer within {timeout:g} s")
    return bytes(raw)


def answer_content(raw: bytes):
    """``choices[0].message.content`` of a chat-completions answer (any JSON type); ValueError when
    ``raw`` is not one."""
    try:
        return json.loads(raw)["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError("not a chat completion") from exc
