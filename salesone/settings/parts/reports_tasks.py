"""Campaign reports (the report e-mail, its beat job) and tasks (reminders, auto-assign, analytics)."""

from datetime import timedelta

from ..env import env_bool, env_int

# The owner of a campaign gets a report e-mail when it completes (apps/campaigns/reports.py).
CAMPAIGN_REPORT_EMAIL_ENABLED = env_bool("CAMPAIGN_REPORT_EMAIL_ENABLED", True)
# The beat job sends the reports a lost completion message missed, for campaigns completed this many
# hours ago at most (older completed campaigns never get a report out of the blue after a deploy).
CAMPAIGN_REPORT_CATCH_UP_HOURS = env_int("CAMPAIGN_REPORT_CATCH_UP_HOURS", 24)
# Links the report lists (most clicked first).
CAMPAIGN_REPORT_TOP_LINKS = env_int("CAMPAIGN_REPORT_TOP_LINKS", 10)

# Task reminders before the due date: the assignee chooses how many days ahead (0: on the due day),
# up to TASK_REMINDER_MAX_LEAD_DAYS; TASK_REMINDER_DEFAULT_LEAD_DAYS until he does.
TASK_REMINDER_DEFAULT_LEAD_DAYS = env_int("TASK_REMINDER_DEFAULT_LEAD_DAYS", 1)
TASK_REMINDER_MAX_LEAD_DAYS = env_int("TASK_REMINDER_MAX_LEAD_DAYS", 14)
# A task created for a team without an assignee goes to the member with the least open weighted work.
TASK_AUTO_ASSIGN_ENABLED = env_bool("TASK_AUTO_ASSIGN_ENABLED", True)
# /api/tasks/analytics/: seconds an answer stays cached in Redis, and the longest period it covers.
TASK_ANALYTICS_CACHE_SECONDS = env_int("TASK_ANALYTICS_CACHE_SECONDS", 300)
TASK_ANALYTICS_MAX_DAYS = env_int("TASK_ANALYTICS_MAX_DAYS", 366)

BEAT_SCHEDULE = {
    "campaigns-send-missed-reports": {
        "task": "apps.campaigns.tasks.send_missed_campaign_reports",
        "schedule": timedelta(minutes=10),
    },
}

# A reminder's delivery is transactional mail: it never waits behind a campaign.
TASK_ROUTES = {
    "apps.tasks.tasks.deliver_task_reminder": {"queue": "transactional"},
}
