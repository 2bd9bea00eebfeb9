"""Limits of every template a user writes (campaign e-mails, workflow nodes): common/templating.py."""

from ..env import env_int

# CPU time one render may use (a campaign e-mail, a preview, a workflow node's templates), enforced
# while it runs: the render stops within one bounded step of it.
TEMPLATE_RENDER_TIME_LIMIT_MS = env_int("TEMPLATE_RENDER_TIME_LIMIT_MS", 200)
# Characters one render may write (captured blocks and macro output included); also the longest
# string or list a template may build.
TEMPLATE_OUTPUT_LIMIT_CHARS = env_int("TEMPLATE_OUTPUT_LIMIT_CHARS", 256 * 1024)
# Digits of the largest integer a template may compute (``**``, ``*``, ``|int``).
TEMPLATE_INTEGER_DIGITS_LIMIT = env_int("TEMPLATE_INTEGER_DIGITS_LIMIT", 1000)
# Loop iterations one render may run, all loops together (and the longest range()).
TEMPLATE_LOOP_ITERATIONS_LIMIT = env_int("TEMPLATE_LOOP_ITERATIONS_LIMIT", 100_000)
# Characters of a campaign template's source (subject, HTML body, text body each), checked when it is
# saved through the API or the admin (Gmail clips a message over ~100 KB anyway).
TEMPLATE_SOURCE_LIMIT_CHARS = env_int("TEMPLATE_SOURCE_LIMIT_CHARS", 200_000)
