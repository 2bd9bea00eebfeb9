"""Where a person lives in the database: for one user (the customer's organisation) and one address,
every row that holds it, table by table. Export reads these; erase deletes or anonymises them.
A new table with personal data gets its entry here (test_erase_leaves_nothing scans every column of
every table for the address, so a table forgotten here fails it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from apps.campaigns.models import Campaign, CampaignLeadResult
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

    @property
    def pattern(self) -> str:
        """The address as a whole word (a regular expression, for Python and PostgreSQL alike):
        ``kim@corp.kr`` does not match ``jkim@corp.kr`` nor ``kim@corp.kr.evil``."""
        return address_pattern(self.email)


def address_pattern(email: str) -> str:
    # ASCII classes, not \w: Korean text often follows an address directly ("kim@corp.kr에게").
    return rf"(?<![A-Za-z0-9_.+-]){re.escape(email)}(?![A-Za-z0-9_.-])"


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
    # Replies matched to the user's results only: unmatched mail belongs to no user yet, and another
    # customer's may be among it.
    return InboundMessage.objects.filter(result__in=results(subject))


def consent_events(subject: Subject) -> QuerySet:
    return ConsentEvent.objects.filter(user=subject.user, email=subject.email)


def outbox(subject: Subject) -> QuerySet:
    """The user's campaigns' messages to the address (never another user's, nor a transactional
    message such as a password reset or an opt-in link that belongs to no campaign of theirs)."""
    own_campaigns = Campaign.objects.filter(user=subject.user).annotate(id_text=Cast("pk", TextField()))
    own_campaigns = own_campaigns.values("id_text")
    return OutboxMessage.objects.annotate(campaign_ref=KeyTextTransform("campaign_id", "custom_args")).filter(
        to_email__iexact=subject.email, campaign_ref__in=own_campaigns
    )


def suppression(subject: Subject) -> QuerySet:
    """The address's entry on the (shared) suppression list: it says the address is not mailed."""
    return SuppressedAddress.objects.filter(email=subject.email)


def clients(subject: Subject) -> QuerySet:
    return Client.objects.filter(user=subject.user, emails__iregex=subject.pattern)


def client_emails(subject: Subject) -> QuerySet:
    return ClientEmail.objects.filter(client__user=subject.user).filter(
        Q(from_email__iregex=subject.pattern) | Q(to_email__iregex=subject.pattern)
    )


def client_notes(subject: Subject) -> list:
    """Notes naming the address (private ones are encrypted: read in Python, not by SQL)."""
    notes = ClientNote.objects.filter(client__user=subject.user)
    pattern = re.compile(subject.pattern, re.IGNORECASE)
    return [note for note in notes.iterator() if pattern.search(f"{note.title}\n{note.content}")]


def tasks(subject: Subject) -> QuerySet:
    return Task.objects.filter(Q(created_by=subject.user) | Q(assignee=subject.user)).filter(
        Q(name__iregex=subject.pattern) | Q(body__iregex=subject.pattern) | Q(workflow_data__iregex=subject.pattern)
    )


def task_reminders(subject: Subject) -> QuerySet:
    return TaskReminder.objects.filter(recipient__iexact=subject.email).filter(
        Q(task__created_by=subject.user) | Q(task__assignee=subject.user)
    )


def workflow_executions(subject: Subject) -> QuerySet:
    return WorkflowExecution.objects.filter(workflow__user=subject.user).filter(
        Q(input_data__iregex=subject.pattern)
        | Q(output_data__iregex=subject.pattern)
        | Q(graph__iregex=subject.pattern)
        | Q(error_message__iregex=subject.pattern)
    )


def node_runs(subject: Subject) -> QuerySet:
    return NodeRun.objects.filter(execution__workflow__user=subject.user).filter(
        Q(input__iregex=subject.pattern) | Q(output__iregex=subject.pattern) | Q(error__iregex=subject.pattern)
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
