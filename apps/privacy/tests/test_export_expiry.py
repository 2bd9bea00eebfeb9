"""Export ZIPs are deleted after PRIVACY_EXPORT_KEEP_DAYS by a beat job; the request stays in the
audit log as "expired" without a download. The ZIP is encrypted on disk while it is kept."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile

from apps.privacy.models import PrivacyRequest
from apps.privacy.tasks import expire_privacy_exports
from common.encrypted_files import HEADER

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
ZIP_BYTES = b"PK\x05\x06" + b"\x00" * 18


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVACY_EXPORT_KEEP_DAYS = 7


def _export(user, *, days_ago: float, status=PrivacyRequest.Status.DONE) -> PrivacyRequest:
    request = PrivacyRequest(
        user=user,
        kind=PrivacyRequest.Kind.EXPORT,
        subject_hash="sha256:x",
        status=status,
        completed_at=NOW - timedelta(days=days_ago),
    )
    request.file.save(f"{request.pk}.zip", ContentFile(ZIP_BYTES), save=False)
    request.save()
    return request


def test_only_exports_older_than_the_keep_days_are_deleted(
    auth_client, user, settings, django_capture_on_commit_callbacks
):
    old, recent = _export(user, days_ago=7.5), _export(user, days_ago=6.5)
    old_path = Path(settings.MEDIA_ROOT) / old.file.name
    assert old_path.read_bytes().startswith(HEADER) and ZIP_BYTES not in old_path.read_bytes()

    # (The clock only around the job: the client's token was issued at the real time.)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert expire_privacy_exports() == 1  # the file goes once the row is committed

    assert not old_path.exists()
    body = auth_client.get(f"/api/privacy/requests/{old.pk}/").json()
    assert body["status"] == "expired" and body["download_url"] is None
    assert auth_client.get(f"/api/privacy/requests/{old.pk}/download/").status_code == 404
    assert auth_client.get(f"/api/privacy/requests/{recent.pk}/").json()["status"] == "done"
    download = auth_client.get(f"/api/privacy/requests/{recent.pk}/download/")
    assert b"".join(download.streaming_content) == ZIP_BYTES
    with time_machine.travel(NOW, tick=False):
        assert expire_privacy_exports() == 0  # safe to run again


@time_machine.travel(NOW, tick=False)
def test_a_failed_or_pending_export_is_left_alone(user):
    failed = _export(user, days_ago=30, status=PrivacyRequest.Status.FAILED)
    assert expire_privacy_exports() == 0
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_beat_runs_the_clean_up_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-exports-expire"]
    assert entry["task"] == expire_privacy_exports.name
