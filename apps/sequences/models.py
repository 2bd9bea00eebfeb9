"""Sequences: several steps over business days to the leads of some lists, each step sent only to
leads who have not replied, from a pool of mailboxes within their caps and a sending window.

Each step's variant sends as a campaign of kind "sequence_step" (apps/campaigns): a due step becomes
a result row of that campaign, sent by the campaign pipeline's claim → provider → settle path, so a
lead gets each step at most once whatever crashes: the row is written in the transaction that moves
the enrolment past the step (only if it was still at that step), and one row per (campaign, lead).
"""

from datetime import time

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


def _weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class Sequence(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")

    STARTABLE = frozenset({Status.DRAFT})
    PAUSABLE = frozenset({Status.ACTIVE})
    RESUMABLE = frozenset({Status.PAUSED})
    # Steps and variants are fixed once the sequence has started (their campaigns hold the results).
    EDITABLE = frozenset({Status.DRAFT})

    name = models.CharField(max_length=200, verbose_name=_("name"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sequences", verbose_name=_("user")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True, verbose_name=_("status")
    )
    leadlists = models.ManyToManyField(
        "leads.LeadList", related_name="sequences", blank=True, verbose_name=_("lead lists")
    )
    mailboxes = models.ManyToManyField(
        "mail.Mailbox",
        related_name="sequences",
        blank=True,
        help_text=_("The pool the sends are spread over; empty: the default sender"),
        verbose_name=_("mailboxes"),
    )
    timezone = models.CharField(max_length=64, default="Asia/Seoul", verbose_name=_("time zone"))
    window_start = models.TimeField(default=time(9, 0), verbose_name=_("window start"))
    window_end = models.TimeField(default=time(18, 0), verbose_name=_("window end"))
    # Monday = 0 … Sunday = 6.
    window_days = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]),
        default=_weekdays,
        verbose_name=_("sending days"),
    )
    skip_holidays = models.BooleanField(
        default=True, help_text=_("No sends on Korean public holidays"), verbose_name=_("skip holidays")
    )
    # 정보통신망법 제50조: every step of an advertising sequence carries "(광고)" and the opt-out.
    is_advertising = models.BooleanField(default=True, verbose_name=_("advertising"))
    sender_name = models.CharField(max_length=100, blank=True, default="", verbose_name=_("sender name"))
    sender_contact = models.CharField(max_length=200, blank=True, default="", verbose_name=_("sender contact"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    # Why the scheduler paused it (a step's campaign failed); empty when paused by hand or running.
    paused_reason = models.TextField(blank=True, default="", verbose_name=_("paused because"))

    class Meta(BaseModel.Meta):
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")

    def __str__(self) -> str:
        return self.name


class SequenceStep(BaseModel):
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps", verbose_name=_("sequence"))
    order = models.PositiveSmallIntegerField(verbose_name=_("order"))
    delay_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text=_("Business days after the previous step (the first step: after enrolment)"),
        verbose_name=_("delay in business days"),
    )
    thread_reply = models.BooleanField(
        default=False,
        help_text=_("Send as a reply in the thread of the first step's message"),
        verbose_name=_("reply in the same thread"),
    )
    # A/B: once every variant has sent this many, the variant with the best reply rate (then open
    # rate) becomes the winner and takes every later send. Empty: keep the percentages.
    winner_after = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], verbose_name=_("pick the winner after N sends")
    )
    winner = models.ForeignKey(
        "SequenceVariant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("winner")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("sequence step")
        verbose_name_plural = _("sequence steps")
        ordering = ["sequence", "order"]
        constraints = [models.UniqueConstraint(fields=["sequence", "order"], name="sequence_step_order_unique")]

    def __str__(self) -> str:
        return f"{self.sequence} #{self.order + 1}"


class SequenceVariant(BaseModel):
    step = models.ForeignKey(SequenceStep, on_delete=models.CASCADE, related_name="variants", verbose_name=_("step"))
    name = models.CharField(max_length=20, default="A", verbose_name=_("name"))
    template = models.ForeignKey(
        "campaigns.CampaignTemplate", on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    percent = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(100)], verbose_name=_("percent")
    )
    # The campaign this variant sends through (created when the sequence starts).
    campaign = models.OneToOneField(
        "campaigns.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sequence_variant",
        verbose_name=_("campaign"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("sequence variant")
        verbose_name_plural = _("sequence variants")
        ordering = ["step", "name"]
        constraints = [models.UniqueConstraint(fields=["step", "name"], name="sequence_variant_name_unique")]

    def __str__(self) -> str:
        return f"{self.step} {self.name}"


class Enrollment(BaseModel):
    """One lead in one sequence: the next step to send, when, and why it stopped."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        OUT_OF_OFFICE = "out_of_office", _("Waiting: out of office")
        COMPLETED = "completed", _("Completed: every step sent")
        STOPPED = "stopped", _("Stopped")

    class StopReason(models.TextChoices):
        NONE = "", _("Not stopped")
        REPLIED = "replied", _("Replied")
        OUT_OF_OFFICE = "out_of_office", _("Out of office")
        BOUNCED = "bounced", _("Bounced")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        SUPPRESSED = "suppressed", _("On the suppression list")
        MANUAL = "manual", _("Stopped by hand")
        CLIENT = "client", _("Became a client")
        OPPORTUNITY_WON = "opportunity_won", _("Opportunity won")
        NO_CONSENT = "no_consent", _("No valid consent for advertising mail")
        BUSINESS_INACTIVE = "business_inactive", _("The company is closed or suspended (NTS)")

    OPEN = frozenset({State.ACTIVE, State.OUT_OF_OFFICE})

    sequence = models.ForeignKey(
        Sequence, on_delete=models.CASCADE, related_name="enrollments", db_index=False, verbose_name=_("sequence")
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+", verbose_name=_("lead"))
    email = models.EmailField(verbose_name=_("e-mail address"))
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE, verbose_name=_("state"))
    stop_reason = models.CharField(
        max_length=20, choices=StopReason.choices, blank=True, default="", verbose_name=_("stop reason")
    )
    # The order of the next step to send (the number of steps sent).
    current_step = models.PositiveSmallIntegerField(default=0, verbose_name=_("next step"))
    next_send_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next send at"))
    stopped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stopped at"))
    # Back from an out-of-office pause: inbound mail before this was already read.
    resumed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resumed at"))
    # The mailbox of the first step: every later step goes from it, so a follow-up stays in the thread.
    # Not indexed: the scheduler writes it (see Meta); only deleting a mailbox looks rows up by it.
    mailbox = models.ForeignKey(
        "mail.Mailbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("sending mailbox"),
    )

    # The columns the scheduler's passes write (services.py: the due-step write, the stops, the
    # out-of-office pause and return). No index may name one, so that every one of those updates is
    # HOT (heap-only: no index entry written), and the table keeps room in its pages for the new
    # version (FILLFACTOR, migration 0005). The due-step query reads a sequence's rows through the
    # (sequence, lead) unique index; docs/sequences.md, Performance, has the measurements.
    SCHEDULER_WRITES = frozenset(
        {"state", "stop_reason", "current_step", "next_send_at", "stopped_at", "resumed_at", "mailbox_id", "updated_at"}
    )
    FILLFACTOR = 30

    class Meta(BaseModel.Meta):
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["sequence", "lead"], name="sequence_enrollment_one_per_lead"),
            models.UniqueConstraint(fields=["sequence", "email"], name="sequence_enrollment_one_per_address"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} → {self.email} ({self.get_state_display()})"
