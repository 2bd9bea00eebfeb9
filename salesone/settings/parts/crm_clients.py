"""Clients and tasks: upload limits for client files and the task beat jobs."""

from celery.schedules import crontab

from ..env import env_int

# Client files and e-mail attachments: bigger uploads answer 413.
CLIENT_FILE_MAX_BYTES = env_int("CLIENT_FILE_MAX_BYTES", 25 * 1024 * 1024)

# Allowed uploads: extension → content types a browser may send for it. application/octet-stream is
# accepted where browsers commonly send it (HWP, old Office formats); the file's first bytes must still
# match the format's signature (apps/clients/uploads.py).
CLIENT_FILE_ALLOWED_TYPES = {
    "pdf": ["application/pdf"],
    "doc": ["application/msword", "application/octet-stream"],
    "docx": ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/octet-stream"],
    "xls": ["application/vnd.ms-excel", "application/octet-stream"],
    "xlsx": ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"],
    "ppt": ["application/vnd.ms-powerpoint", "application/octet-stream"],
    "pptx": ["application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/octet-stream"],
    "hwp": ["application/x-hwp", "application/haansofthwp", "application/vnd.hancom.hwp", "application/octet-stream"],
    "hwpx": ["application/vnd.hancom.hwpx", "application/haansofthwpx", "application/octet-stream"],
    "txt": ["text/plain"],
    "csv": ["text/csv", "text/plain", "application/vnd.ms-excel"],
    "png": ["image/png"],
    "jpg": ["image/jpeg"],
    "jpeg": ["image/jpeg"],
    "gif": ["image/gif"],
    "webp": ["image/webp"],
    "zip": ["application/zip", "application/x-zip-compressed", "application/octet-stream"],
}

# Times are Asia/Seoul (CELERY_TIMEZONE).
BEAT_SCHEDULE = {
    "tasks-create-due-occurrences": {
        "task": "apps.tasks.tasks.create_due_task_occurrences",
        "schedule": crontab(minute=5, hour="*"),
    },
    "tasks-send-reminders": {
        "task": "apps.tasks.tasks.send_task_reminders",
        "schedule": crontab(minute=0, hour=8),
    },
}


# The API schema's enums of clients and tasks get their own names (several models have a "status";
# drf-spectacular would otherwise invent hashed names and warn). Merged into SPECTACULAR_SETTINGS.
ENUM_NAME_OVERRIDES = {
    "TaskStatusEnum": "apps.tasks.models.Task.Status",
    "ClientProductStatusEnum": "apps.clients.models.ClientProduct.Status",
    "ClientActivityStatusEnum": "apps.clients.models.ClientActivity.Status",
    "ClientActivityTypeEnum": "apps.clients.models.ClientActivity.Type",
    "ClientTimelineEntryTypeEnum": ["note", "file", "activity", "campaign_email", "email_event"],
    # The timeline's "event" reuses the tracking events' "kind" choices: one component, under
    # the name /api/tracking/events/ already gave it.
    "KindEnum": "apps.tracking.models.TrackingEvent.Kind",
    "WorkflowExecutionStatusEnum": "apps.workflows.models.WorkflowExecution.Status",
}
