"""Data-subject requests: export (a task writes the ZIP) and erase (one transaction, at once). Both
are recorded in the audit log (PrivacyRequest) by the hash of the address, never the address."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from datetime import timedelta

from django.core import serializers as django_serializers
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.leads.models import LeadList
from apps.mail.models import SuppressedAddress
from apps.mail.suppression import address_hash, erased_key, suppressions_add
from common.exceptions import Conflict

from . import subjects
from .models import PrivacyRequest

ERASED = "[erased]"
# JSON documents where the address may sit anywhere (workflow inputs, template data): redacted in place,
# in the requesting user's rows only. Each table with the condition that makes a row the user's.
_TASK_OWNER = "(created_by_id = %(user)s OR assignee_id = %(user)s)"
_EXECUTION_OWNER = "workflow_id IN (SELECT id FROM workflows_workflow WHERE user_id = %(user)s)"
_NODE_RUN_OWNER = f"execution_id IN (SELECT id FROM workflows_workflowexecution WHERE {_EXECUTION_OWNER})"
_JSON_REDACTIONS = [
    ("tasks_task", "workflow_data", _TASK_OWNER),
    ("workflows_workflowexecution", "input_data", _EXECUTION_OWNER),
    ("workflows_workflowexecution", "output_data", _EXECUTION_OWNER),
    ("workflows_workflowexecution", "graph", _EXECUTION_OWNER),
    ("workflows_noderun", "input", _NODE_RUN_OWNER),
    ("workflows_noderun", "output", _NODE_RUN_OWNER),
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
        subject_hash=address_hash(subject.email),
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
        content, counts = _export_archive(request)
    except Exception as exc:  # the audit log says it failed, and why; the caller may ask again
        request.status = PrivacyRequest.Status.FAILED
        request.error = f"{type(exc).__name__}: {exc}"[:2000]
        request.subject_email = ""
        request.completed_at = timezone.now()
        request.save(update_fields=["status", "error", "subject_email", "completed_at", "updated_at"])
        raise
    with transaction.atomic():
        if _still_running(request):  # an erase of the person meanwhile failed it: no ZIP is kept
            request.file.save(f"{request.pk}.zip", ContentFile(content), save=False)
            request.counts = counts
            request.status = PrivacyRequest.Status.DONE
        request.subject_email = ""
        request.completed_at = timezone.now()
        request.save(update_fields=["status", "counts", "file", "error", "subject_email", "completed_at", "updated_at"])
    return request


def _export_archive(request: PrivacyRequest) -> tuple[bytes, dict]:
    """The ZIP's bytes, and the rows of each table in it."""
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
                    archive.writestr(_entry_name(attachment), handle.read())
        archive.writestr(
            "README.txt",
            f"개인정보 열람 요청 {request.pk}: {subject.email}의 데이터 ({timezone.now().isoformat()} 기준)\n",
        )
    return buffer.getvalue(), counts


def _entry_name(attachment) -> str:
    """A ZIP entry for a logged e-mail's file: its name without directories or odd characters (a name
    such as ``../../x`` must not reach the user's unzip tool)."""
    try:
        name = get_valid_filename(os.path.basename(attachment.name or ""))
    except SuspiciousFileOperation:  # nothing usable left of it (``..``, an empty name)
        name = "file"
    return f"files/{attachment.pk}-{name}"


def _still_running(request: PrivacyRequest) -> bool:
    """Whether the export may still save its ZIP: an erase of the person marks it failed meanwhile.
    Holds the row's lock until the task's transaction ends (the caller saves in it)."""
    current = PrivacyRequest.objects.select_for_update().filter(pk=request.pk).values("status", "error").first()
    if current is None or current["status"] != PrivacyRequest.Status.RUNNING:
        request.status = current["status"] if current else PrivacyRequest.Status.FAILED
        request.error = current["error"] if current else ""
        return False
    return True


# ------------------------------------------------------------------------------------------- erase


@transaction.atomic
def privacy_erase(*, user, email: str = "", lead=None, reason: str = "") -> PrivacyRequest:
    """Erase the person from ``user``'s data in one transaction: leads deleted (and taken out of
    lead lists), campaign results and tracking events anonymised (their counts stay), replies,
    consent events, logged e-mails, notes and reminders naming the address deleted, free text and
    JSON redacted; the address goes on the suppression list as its hash only, so it is never
    mailed again. The audit entry says who asked, when, and how many rows of each table."""
    subject = _subject(user=user, email=email, lead=lead)
    pattern = re.compile(subject.pattern, re.IGNORECASE)
    counts = {}
    _stop_open_exports(user=user, email=subject.email)

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
    subjects.workflow_executions(subject).filter(error_message__iregex=subject.pattern).update(error_message=ERASED)
    subjects.node_runs(subject).filter(error__iregex=subject.pattern).update(error=ERASED)
    _redact_json(user=user, email=subject.email)

    _suppress_erased(user=user, email=subject.email)
    # The user's earlier exports of the person are personal data too (another user's are theirs).
    for export in PrivacyRequest.objects.filter(user=user, subject_hash=address_hash(subject.email)).exclude(file=""):
        export.file.delete(save=False)
        PrivacyRequest.objects.filter(pk=export.pk).update(file="")
    counts["campaign_result_ids"] = len(result_ids)
    return PrivacyRequest.objects.create(
        user=user,
        kind=PrivacyRequest.Kind.ERASE,
        status=PrivacyRequest.Status.DONE,
        subject_hash=address_hash(subject.email),
        reason=reason,
        counts=counts,
        completed_at=timezone.now(),
    )


def _stop_open_exports(*, user, email: str) -> None:
    """An export of the person still queued or running is failed, and forgets the address: it must not
    leave a ZIP behind the erase (the task re-checks the status before it saves one)."""
    PrivacyRequest.objects.filter(
        user=user,
        kind=PrivacyRequest.Kind.EXPORT,
        subject_hash=address_hash(email),
        status__in=[PrivacyRequest.Status.QUEUED, PrivacyRequest.Status.RUNNING],
    ).update(
        status=PrivacyRequest.Status.FAILED,
        subject_email="",
        error=_("The person was erased while the export was pending."),
        completed_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _suppress_erased(*, user, email: str) -> None:
    """Only ``user`` never mails the person again: the list gets the hash of the user and the address.
    An entry of the address itself (an opt-out, a bounce: it stops everybody's mail) stays in force,
    by the hash of the address alone, so nothing of the address remains but hashes."""
    entries = [SuppressedAddress(email=erased_key(email, user_id=user.pk), reason=SuppressedAddress.Reason.ERASED,
                                 source="privacy")]  # fmt: skip
    for entry in SuppressedAddress.objects.filter(email=email):
        entries.append(SuppressedAddress(email=address_hash(email), reason=entry.reason, source=entry.source))
        entry.delete()
    suppressions_add(entries)


def _redact_json(*, user, email: str) -> None:
    """Replace the address inside the user's JSON documents, case-insensitively, wherever it sits."""
    pattern = subjects.address_pattern(email)
    with connection.cursor() as cursor:
        for table, column, owner in _JSON_REDACTIONS:
            cursor.execute(
                f"""UPDATE {table} SET {column} = regexp_replace({column}::text, %(pattern)s, %(erased)s, 'gi')::jsonb
                    WHERE {owner} AND {column}::text ~* %(pattern)s""",
                {"pattern": pattern, "erased": ERASED, "user": user.pk},
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
