"""base.py names every settings part: a part file nobody listed stops the start instead of being ignored."""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from salesone.settings.parts import load_parts

EVERY_PART = [
    "api_requests",
    "campaigns",
    "crm_clients",
    "crm_leads",
    "deliverability",
    "intelligence",
    "observability",
    "outbound",
    "privacy",
    "reports_tasks",
    "salesone_leads",
    "sequences",
    "templates",
    "tracking",
    "workflows",
]


def _namespace():
    return {"CELERY_BEAT_SCHEDULE": {}, "CELERY_TASK_ROUTES": {}, "SPECTACULAR_SETTINGS": {}}


def test_a_part_left_out_of_the_list_is_an_error_that_names_it():
    with pytest.raises(ImproperlyConfigured, match="not listed: tracking"):
        load_parts(_namespace(), [part for part in EVERY_PART if part != "tracking"])


def test_a_listed_part_that_does_not_exist_is_an_error_that_names_it():
    with pytest.raises(ImproperlyConfigured, match="no such part: crm_leeds"):
        load_parts(_namespace(), [*EVERY_PART, "crm_leeds"])


def test_beat_jobs_and_schema_enum_names_of_every_part_are_merged_not_replaced():
    namespace = _namespace()
    load_parts(namespace, EVERY_PART)
    assert {"tasks-send-reminders", "tracking-ingest-events", "workflows-sweep"} <= set(
        namespace["CELERY_BEAT_SCHEDULE"]
    )
    overrides = namespace["SPECTACULAR_SETTINGS"]["ENUM_NAME_OVERRIDES"]
    assert {"TaskStatusEnum", "OpportunityStatusEnum"} <= set(overrides)
    assert namespace["SALESONE_IMPORT_LIMIT"] == settings.SALESONE_IMPORT_LIMIT


def test_the_running_settings_hold_what_the_parts_add():
    assert settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ImportJobStatusEnum"]  # base.py's own entry kept
    assert settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["OpportunityStatusEnum"]
    assert "tasks-create-due-occurrences" in settings.CELERY_BEAT_SCHEDULE
