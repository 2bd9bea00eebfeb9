"""Sequences (apps/sequences) and the sender mailboxes they share with campaigns (apps/mail)."""

from datetime import timedelta

from celery.schedules import crontab

from ..env import env_bool, env_int

# A new mailbox's caps, well under the providers' advice: a rolling 24-hour and 1-hour cap, and a
# warm-up that starts at MAILBOX_WARMUP_START a day and adds MAILBOX_WARMUP_STEP each day.
MAILBOX_DEFAULT_DAILY_CAP = env_int("MAILBOX_DEFAULT_DAILY_CAP", 100)
MAILBOX_DEFAULT_HOURLY_CAP = env_int("MAILBOX_DEFAULT_HOURLY_CAP", 20)
MAILBOX_WARMUP_START = env_int("MAILBOX_WARMUP_START", 20)
MAILBOX_WARMUP_STEP = env_int("MAILBOX_WARMUP_STEP", 10)
# The most any mailbox may be given (a cap is a promise to the provider, not a throughput knob).
MAILBOX_MAX_DAILY_CAP = env_int("MAILBOX_MAX_DAILY_CAP", 2000)
MAILBOXES_PER_USER = env_int("MAILBOXES_PER_USER", 50)

# Limits of what one user controls.
SEQUENCES_PER_USER = env_int("SEQUENCES_PER_USER", 200)
SEQUENCE_MAX_STEPS = env_int("SEQUENCE_MAX_STEPS", 10)
SEQUENCE_MAX_VARIANTS = env_int("SEQUENCE_MAX_VARIANTS", 5)
SEQUENCE_MAX_ENROLLMENTS = env_int("SEQUENCE_MAX_ENROLLMENTS", 200_000)
# Stop a lead's sequence when it becomes a client (same business number or e-mail address) or one of
# its opportunities is won.
SEQUENCE_STOP_ON_CLIENT = env_bool("SEQUENCE_STOP_ON_CLIENT", True)
# An out-of-office reply that states a return date pauses the lead until the next business day after
# it; off (or no date found): the lead stops with the reason "out of office".
SEQUENCE_OOO_RESUME = env_bool("SEQUENCE_OOO_RESUME", True)
# How often the scheduler looks for due steps, and the most enrolments one transaction of a tick
# schedules (a tick reads a sequence's due enrolments once and writes them all, batch after batch).
SEQUENCE_TICK_SECONDS = env_int("SEQUENCE_TICK_SECONDS", 60)
SEQUENCE_TICK_BATCH = env_int("SEQUENCE_TICK_BATCH", 10_000)
# How many batches a tick writes at once, each on a database connection of its own (threads of the worker
# running the tick): a batch's statements use one core of PostgreSQL. 1: one after another.
SEQUENCE_TICK_WORKERS = env_int("SEQUENCE_TICK_WORKERS", 2)

BEAT_SCHEDULE = {
    "sequences-tick": {
        "task": "apps.sequences.tasks.tick_sequences",
        "schedule": timedelta(seconds=SEQUENCE_TICK_SECONDS),
    },
    # Last week's report of each sequence, to its owner (once per sequence and week: a claim).
    "sequences-weekly-reports": {
        "task": "apps.sequences.tasks.send_sequence_weekly_reports",
        "schedule": crontab(minute=0, hour=8, day_of_week=1),  # Mondays 08:00 Asia/Seoul (CELERY_TIMEZONE)
    },
}
TASK_ROUTES = {"apps.sequences.tasks.*": {"queue": "campaigns"}}
