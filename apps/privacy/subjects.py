"""Where a person lives in the database: for one user (the customer's organisation) and one address,
every row that holds it, table by table. Export reads these; erase deletes or anonymises them.
A new table with personal data gets its entry here (test_erase_leaves_nothing scans every column of
every table for the address, so a table forgotten here fails it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.campaigns.models import CampaignLeadResult
from apps.clients.models import Client, ClientEmail, ClientNote
from apps.consent.models import ConsentEvent
from apps.leads.models import Lead
from apps.mail.models import OutboxMessage, SuppressedAddress
from apps.tasks.models import Task, TaskReminder
from apps.tracking.models import InboundMessage, TrackingEvent
from apps.workflows.models import NodeRun, WorkflowExecution


@dataclass
class Subject:
    user: object
    email: str  # lower-case
    lead_ids: list


def subject_for(*, user, email: str = "", lead=None) -> Subject:
    email = (email or (lead.email if lead else "")).strip().lower()
    leads = Lead.objects.filter(user=user).filter(Q(email__iexact=email) | Q(pk=getattr(lead, "pk", None)))
    return Subject(user=user, email=email, lead_ids=list(leads.values_list("pk", flat=True)))


def leads(subject: Subject) -> QuerySet:
    return Lead.objects.filter(pk__in=subject.lead_ids)


def results(subject: Subject) -> QuerySet:
    return CampaignLeadResult.objects.filter(campaign__user=subject.user).filter(
        Q(lead_id__in=subject.lead_ids) | Q(email__iexact=subject.email)
    )


def events(subject: Subject) -> QuerySet:
    return TrackingEvent.objects.filter(
        Q(result__in=results(subject)) | Q(campaign__user=subject.user, email__iexact=subject.email)
    )


def inbound(subject: Subject) -> QuerySet:
    # Replies matched to the user's results, and unmatched mail from the address (no user's yet).
    return InboundMessage.objects.filter(
        Q(result__in=results(subject)) | Q(result__isnull=True, from_email__icontains=subject.email)
    )


def consent_events(subject: Subject) -> QuerySet:
    return ConsentEvent.objects.filter(user=subject.user, email=subject.email)


def outbox(subject: Subject) -> QuerySet:
    return OutboxMessage.objects.filter(to_email__iexact=subject.email)


def suppression(subject: Subject) -> QuerySet:
    return SuppressedAddress.objects.filter(email=subject.email)


def clients(subject: Subject) -> QuerySet:
    return Client.objects.filter(user=subject.user, emails__icontains=subject.email)


def client_emails(subject: Subject) -> QuerySet:
    return ClientEmail.objects.filter(client__user=subject.user).filter(
        Q(from_email__icontains=subject.email) | Q(to_email__icontains=subject.email)
    )


def client_notes(subject: Subject) -> list:
    """Notes naming the address (private ones are encrypted: read in Python, not by SQL)."""
    notes = ClientNote.objects.filter(client__user=subject.user)
    return [note for note in notes.iterator() if subject.email in f"{note.title}\n{note.content}".lower()]


def tasks(subject: Subject) -> QuerySet:
    return Task.objects.filter(Q(created_by=subject.user) | Q(assignee=subject.user)).filter(
        Q(name__icontains=subject.email) | Q(body__icontains=subject.email) | Q(workflow_data__icontains=subject.email)
    )


def task_reminders(subject: Subject) -> QuerySet:
    return TaskReminder.objects.filter(recipient__iexact=subject.email)


def workflow_executions(subject: Subject) -> QuerySet:
    return WorkflowExecution.objects.filter(workflow__user=subject.user).filter(
        Q(input_data__icontains=subject.email)
        | Q(output_data__icontains=subject.email)
        | Q(graph__icontains=subject.email)
        | Q(error_message__icontains=subject.email)
    )


def node_runs(subject: Subject) -> QuerySet:
    return NodeRun.objects.filter(execution__workflow__user=subject.user).filter(
        Q(input__icontains=subject.email) | Q(output__icontains=subject.email) | Q(error__icontains=subject.email)
    )


# Export order (and the file names in the ZIP).
EXPORTED = {
    "leads": leads,
    "campaign_results": results,
    "tracking_events": events,
    "replies": inbound,
    "consent_events": consent_events,
    "clients": clients,
    "client_emails": client_emails,
    "client_notes": client_notes,
    "tasks": tasks,
    "workflow_executions": workflow_executions,
    "workflow_node_runs": node_runs,
    "outbox_messages": outbox,
    "suppression": suppression,
}
