"""Data-subject requests: export (a task writes the ZIP) and erase (one transaction, at once). Both
are recorded in the audit log (PrivacyRequest) by the hash of the address, never the address."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

from django.core import serializers as django_serializers
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.leads.models import LeadList
from apps.mail.models import SuppressedAddress
from apps.mail.suppression import erased_key, suppressions_add
from common.exceptions import Conflict

from . import subjects
from .models import PrivacyRequest

ERASED = "[erased]"
# JSON documents where the address may sit anywhere (workflow inputs, template data): redacted in place.
_JSON_REDACTIONS = [
    ("tasks_task", "workflow_data"),
    ("workflows_workflowexecution", "input_data"),
    ("workflows_workflowexecution", "output_data"),
    ("workflows_workflowexecution", "graph"),
    ("workflows_noderun", "input"),
    ("workflows_noderun", "output"),
]


def _subject(*, user, email: str, lead) -> subjects.Subject:
    subject = subjects.subject_for(user=user, email=email, lead=lead)
    if not subject.email:
        raise ValidationError({"lead": [_("This lead has no e-mail address: give the address instead.")]})
    return subject


# ------------------------------------------------------------------------------------------ export


def privacy_export_request(*, user, email: str = "", lead=None, reason: str = "", max_open: int) -> PrivacyRequest:
    subject = _subject(user=user, email=email, lead=lead)
    open_requests = PrivacyRequest.objects.filter(
        user=user,
        kind=PrivacyRequest.Kind.EXPORT,
        status__in=[PrivacyRequest.Status.QUEUED, PrivacyRequest.Status.RUNNING],
    )
    if open_requests.count() >= max_open:
        raise Conflict(
            _("You have %(count)s exports in progress, the limit (PRIVACY_MAX_OPEN_EXPORTS).") % {"count": max_open}
        )
    request = PrivacyRequest.objects.create(
        user=user,
        kind=PrivacyRequest.Kind.EXPORT,
        subject_hash=erased_key(subject.email),
        subject_email=subject.email,
        reason=reason,
    )
    from .tasks import export_subject_data

    transaction.on_commit(lambda: export_subject_data.delay(str(request.pk)))
    return request


def _rows(value) -> list[dict]:
    objects = list(value.iterator()) if hasattr(value, "iterator") else list(value)
    return json.loads(django_serializers.serialize("json", objects)) if objects else []


def privacy_export_run(*, request_id) -> PrivacyRequest | None:
    """Write the ZIP of every row holding the address (one JSON file per table, and the files of
    logged client e-mails). Safe to run twice: a request that is not queued is left alone."""
    claimed = PrivacyRequest.objects.filter(pk=request_id, status=PrivacyRequest.Status.QUEUED).update(
        status=PrivacyRequest.Status.RUNNING
    )
    if not claimed:
        return None
    request = PrivacyRequest.objects.select_related("user").get(pk=request_id)
    try:
        subject = subjects.subject_for(user=request.user, email=request.subject_email)
        buffer = io.BytesIO()
        counts = {}
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, select in subjects.EXPORTED.items():
                rows = _rows(select(subject))
                counts[name] = len(rows)
                archive.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False, indent=2))
            for logged in subjects.client_emails(subject).prefetch_related("attachments"):
                for attachment in logged.attachments.all():
                    with attachment.file.open("rb") as handle:
                        archive.writestr(f"files/{attachment.pk}-{attachment.name}", handle.read())
            archive.writestr(
                "README.txt",
                f"개인정보 열람 요청 {request.pk}: {subject.email}의 데이터 ({timezone.now().isoformat()} 기준)\n",
            )
        request.file.save(f"{request.pk}.zip", ContentFile(buffer.getvalue()), save=False)
        request.counts = counts
        request.status = PrivacyRequest.Status.DONE
    except Exception as exc:  # the audit log says it failed, and why; the caller may ask again
        request.status = PrivacyRequest.Status.FAILED
        request.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        request.subject_email = ""
        request.completed_at = timezone.now()
        request.save(update_fields=["status", "counts", "file", "error", "subject_email", "completed_at", "updated_at"])
    return request


# ------------------------------------------------------------------------------------------- erase


@transaction.atomic
def privacy_erase(*, user, email: str = "", lead=None, reason: str = "") -> PrivacyRequest:
    """Erase the person from ``user``'s data in one transaction: leads deleted (and taken out of
    lead lists), campaign results and tracking events anonymised (their counts stay), replies,
    consent events, logged e-mails, notes and reminders naming the address deleted, free text and
    JSON redacted; the address goes on the suppression list as its hash only, so it is never
    mailed again. The audit entry says who asked, when, and how many rows of each table."""
    subject = _subject(user=user, email=email, lead=lead)
    pattern = re.compile(re.escape(subject.email), re.IGNORECASE)
    counts = {}

    results = subjects.results(subject)
    result_ids = list(results.values_list("pk", flat=True))
    counts["replies"] = subjects.inbound(subject).delete()[0]
    events = subjects.events(subject)
    counts["tracking_events"] = events.update(email="", ip=None, user_agent="", raw={}, detail="", url="")
    counts["campaign_results"] = results.update(email="", title="", data={}, lead=None)
    for lead_list in LeadList.objects.filter(user=user, lead_ids__overlap=subject.lead_ids):
        lead_list.lead_ids = [pk for pk in lead_list.lead_ids if pk not in set(subject.lead_ids)]
        lead_list.save(update_fields=["lead_ids", "updated_at"])
    counts["leads"] = subjects.leads(subject).delete()[0]
    counts["consent_events"] = subjects.consent_events(subject).delete()[0]
    counts["outbox_messages"] = subjects.outbox(subject).delete()[0]
    counts["client_emails"] = subjects.client_emails(subject).delete()[0]
    notes = subjects.client_notes(subject)
    counts["client_notes"] = len(notes)
    for note in notes:
        note.delete()
    counts["task_reminders"] = subjects.task_reminders(subject).delete()[0]
    counts["clients"] = 0
    for client in subjects.clients(subject):
        client.emails = [e for e in client.emails if e.strip().lower() != subject.email]
        client.save(update_fields=["emails", "updated_at"])
        counts["clients"] += 1
    counts["tasks"] = 0
    for task in subjects.tasks(subject):
        task.name, task.body = pattern.sub(ERASED, task.name), pattern.sub(ERASED, task.body)
        task.save(update_fields=["name", "body", "updated_at"])
        counts["tasks"] += 1
    counts["workflow_executions"] = subjects.workflow_executions(subject).count()
    subjects.workflow_executions(subject).filter(error_message__icontains=subject.email).update(error_message=ERASED)
    subjects.node_runs(subject).filter(error__icontains=subject.email).update(error=ERASED)
    _redact_json(subject.email)

    subjects.suppression(subject).delete()
    suppressions_add(
        [SuppressedAddress(email=erased_key(subject.email), reason=SuppressedAddress.Reason.ERASED, source="privacy")]
    )
    # Earlier exports of the person are personal data too.
    for export in PrivacyRequest.objects.filter(subject_hash=erased_key(subject.email)).exclude(file=""):
        export.file.delete(save=False)
        PrivacyRequest.objects.filter(pk=export.pk).update(file="")
    counts["campaign_result_ids"] = len(result_ids)
    return PrivacyRequest.objects.create(
        user=user,
        kind=PrivacyRequest.Kind.ERASE,
        status=PrivacyRequest.Status.DONE,
        subject_hash=erased_key(subject.email),
        reason=reason,
        counts=counts,
        completed_at=timezone.now(),
    )


def _redact_json(email: str) -> None:
    """Replace the address inside JSON documents, case-insensitively, wherever it sits."""
    with connection.cursor() as cursor:
        for table, column in _JSON_REDACTIONS:
            cursor.execute(
                f"""UPDATE {table} SET {column} = regexp_replace({column}::text, %(pattern)s, %(erased)s, 'gi')::jsonb
                    WHERE {column}::text ILIKE %(like)s""",
                {"pattern": re.escape(email), "erased": ERASED, "like": f"%{email}%"},
            )


# ------------------------------------------------------------------------------------------ clean-up


def privacy_exports_expire(*, keep_days: int, now=None) -> int:
    """Delete the ZIP of every finished export older than ``keep_days`` (by completed_at) and mark
    its row expired: the audit entry stays, its download is gone. Returns the exports expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=keep_days)
    expired = 0
    old = PrivacyRequest.objects.filter(
        kind=PrivacyRequest.Kind.EXPORT, status=PrivacyRequest.Status.DONE, completed_at__lt=cutoff
    )
    for export_id in old.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            export = PrivacyRequest.objects.select_for_update(skip_locked=True).filter(pk=export_id).first()
            if export is None or export.status != PrivacyRequest.Status.DONE:
                continue
            name = export.file.name
            export.file = ""
            export.status = PrivacyRequest.Status.EXPIRED
            export.save(update_fields=["file", "status", "updated_at"])
            if name:
                storage = export.file.storage
                transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
            expired += 1
    return expired
