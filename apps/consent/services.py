"""Writes to the consent ledger. Every event is a new row (append-only); a grant or an opt-out is
confirmed to the recipient by e-mail through the transactional queue (정보통신망법 제50조⑦), and an
opt-out also puts the address on the suppression list, which every send consults up to the last
batch."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.mail.models import SuppressedAddress
from apps.mail.suppression import suppression_reasons, suppressions_add
from apps.mail.tasks import send_transactional_email
from common.exceptions import Conflict

from .models import ConsentEvent
from .selectors import consent_event_list, consents_due_for_reconfirmation

Kind = ConsentEvent.Kind
Basis = ConsentEvent.Basis

# The bases a user may declare (UNKNOWN is only what the migration recorded for existing data).
DECLARABLE_BASES = [Basis.OPT_IN_FORM, Basis.IMPORT_EVIDENCE, Basis.EXISTING_CUSTOMER]
_OPT_IN_SALT = "consent.opt-in"


def sender_name(user) -> str:
    return user.full_name or user.email


def consent_grant_check(*, basis: str, evidence_text: str = "", evidence_file=None, deal_date=None) -> None:
    """Refuse a grant the law would not accept: 400 naming the field."""
    if basis not in DECLARABLE_BASES:
        raise ValidationError({"basis": [_("Choose opt_in_form, import_evidence or existing_customer.")]})
    if basis == Basis.IMPORT_EVIDENCE and not (evidence_text.strip() or evidence_file):
        raise ValidationError(
            {"evidence_text": [_("Advertising consent from an import needs its evidence (text or file).")]}
        )
    if basis == Basis.EXISTING_CUSTOMER and deal_date is None:
        raise ValidationError({"deal_date": [_("An existing customer's basis needs the date of the transaction.")]})


@transaction.atomic
def consent_grant(
    *,
    user,
    email: str,
    basis: str,
    source: str = "",
    evidence_text: str = "",
    evidence_file=None,
    deal_date: dt.date | None = None,
    actor=None,
    occurred_at: dt.datetime | None = None,
    notify: bool = True,
) -> ConsentEvent:
    """Record consent (or the existing-customer basis) for ``email``; the recipient is told (not for an
    existing customer: that basis is no consent of theirs)."""
    consent_grant_check(basis=basis, evidence_text=evidence_text, evidence_file=evidence_file, deal_date=deal_date)
    event = ConsentEvent(
        user=user,
        email=email,
        kind=Kind.GRANTED,
        basis=basis,
        source=source[:200],
        evidence_text=evidence_text,
        deal_date=deal_date,
        actor=actor,
        occurred_at=occurred_at or timezone.now(),
    )
    if evidence_file:
        event.evidence_file = evidence_file
    event.save()
    if notify and basis != Basis.EXISTING_CUSTOMER:
        _notify_on_commit(event)
    return event


def consent_grant_bulk(*, user, emails, basis: str, source: str, evidence_text: str, actor=None) -> int:
    """Record the same grant for many addresses in one statement, without notices (test data, demo
    seeds, benchmarks: addresses that cannot receive mail). Returns the rows written."""
    consent_grant_check(basis=basis, evidence_text=evidence_text, deal_date=timezone.localdate())
    now = timezone.now()
    rows = [
        ConsentEvent(
            user=user,
            email=email.strip().lower(),
            kind=Kind.GRANTED,
            basis=basis,
            source=source,
            evidence_text=evidence_text,
            deal_date=timezone.localdate() if basis == Basis.EXISTING_CUSTOMER else None,
            actor=actor,
            occurred_at=now,
        )
        for email in {e.strip().lower() for e in emails if e and e.strip()}
    ]
    return len(ConsentEvent.objects.bulk_create(rows, batch_size=5000))


@transaction.atomic
def consent_withdraw(*, user, email: str, source: str, actor=None, notify: bool = True) -> ConsentEvent | None:
    """Opt ``email`` out of ``user``'s advertising mail: a ledger row, the suppression list, and a
    confirmation to the recipient. None when the address had already opted out (nothing is sent twice)."""
    latest = consent_event_list(user=user, email=email).first()
    if latest is not None and latest.kind == Kind.WITHDRAWN:
        return None
    event = ConsentEvent.objects.create(
        user=user, email=email, kind=Kind.WITHDRAWN, source=source[:200], actor=actor, occurred_at=timezone.now()
    )
    # Whether the address was mailable is decided before this opt-out suppresses it (its own notice goes).
    notify = notify and not _is_suppressed(event)
    suppressions_add(
        [SuppressedAddress(email=event.email, reason=SuppressedAddress.Reason.UNSUBSCRIBED, source=source)]
    )
    if notify:
        _notify_on_commit(event, checked=True)
    return event


# ------------------------------------------------------------------------------ double opt-in


def opt_in_token(event: ConsentEvent) -> str:
    return signing.dumps({"e": str(event.pk)}, salt=_OPT_IN_SALT, compress=True)


def opt_in_request_from_token(token: str) -> ConsentEvent | None:
    """The REQUESTED event a confirmation link names, while the link is fresh (CONSENT_OPT_IN_LINK_DAYS)."""
    try:
        payload = signing.loads(token, salt=_OPT_IN_SALT, max_age=settings.CONSENT_OPT_IN_LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    return ConsentEvent.objects.select_related("user").filter(pk=payload.get("e"), kind=Kind.REQUESTED).first()


@transaction.atomic
def consent_request_opt_in(*, user, email: str, source: str, actor=None) -> ConsentEvent:
    """Double opt-in for an address gathered by a form: record the request and e-mail the recipient a
    signed confirmation link. Nothing advertising goes to it until the link is followed. 409 (nothing
    recorded, nothing sent) when the address is suppressed or erased, was asked within
    CONSENT_OPT_IN_REPEAT_DAYS and has not answered, or the user asked CONSENT_OPT_IN_REQUESTS_PER_DAY today."""
    consent_opt_in_check(user=user, email=email)
    event = ConsentEvent.objects.create(
        user=user, email=email, kind=Kind.REQUESTED, source=source[:200], actor=actor, occurred_at=timezone.now()
    )
    _notify_on_commit(event)
    return event


def consent_opt_in_check(*, user, email: str) -> None:
    """Refuse an opt-in e-mail that would go to someone who does not want mail, or spam them."""
    email = email.strip().lower()
    if suppression_reasons([email], user_id=user.pk):
        raise Conflict(_("This address is on the suppression list: no opt-in request is sent to it."))
    since = timezone.now() - dt.timedelta(days=settings.CONSENT_OPT_IN_REPEAT_DAYS)
    latest = consent_event_list(user=user, email=email).first()
    if latest is not None and latest.kind == Kind.REQUESTED and latest.occurred_at >= since:
        raise Conflict(
            _("An opt-in request was sent to this address within %(days)s days (CONSENT_OPT_IN_REPEAT_DAYS).")
            % {"days": settings.CONSENT_OPT_IN_REPEAT_DAYS}
        )
    today = ConsentEvent.objects.filter(
        user=user, kind=Kind.REQUESTED, created_at__gte=timezone.now() - dt.timedelta(days=1)
    )
    if today.count() >= settings.CONSENT_OPT_IN_REQUESTS_PER_DAY:
        raise Conflict(
            _("You have sent %(limit)s opt-in requests in the last 24 hours, the limit (%(setting)s).")
            % {"limit": settings.CONSENT_OPT_IN_REQUESTS_PER_DAY, "setting": "CONSENT_OPT_IN_REQUESTS_PER_DAY"}
        )


@transaction.atomic
def consent_confirm_opt_in(*, request_event: ConsentEvent, ip: str | None, user_agent: str) -> ConsentEvent:
    """The recipient followed the link: consent given on the opt-in form basis, with the request as its
    evidence. Following it twice records nothing more."""
    latest = consent_event_list(user=request_event.user, email=request_event.email).first()
    if latest is not None and latest.kind == Kind.GRANTED and latest.occurred_at >= request_event.occurred_at:
        return latest
    return consent_grant(
        user=request_event.user,
        email=request_event.email,
        basis=Basis.OPT_IN_FORM,
        source="double opt-in confirmation page",
        evidence_text=(
            f"opt-in request {request_event.pk} ({request_event.source}) of "
            f"{request_event.occurred_at.isoformat()}, confirmed from {ip or '?'} ({user_agent[:200]})"
        ),
    )


# --------------------------------------------------------------------- two-yearly re-confirmation


def consents_reconfirm_due(*, now: dt.datetime | None = None) -> int:
    """The beat job (제50조⑧): notify every address whose consent turns 2 years old within
    CONSENT_RECONFIRM_NOTICE_DAYS, and record each notice (which starts the next 2 years). Safe to run
    twice: a notified address is not due again for 2 years. A suppressed or erased address gets no
    notice and so no event either: the ledger never says a notice was sent that was not (it stays due,
    and excluded by its suppression, until it is lifted). Returns the notices sent."""
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    due = consents_due_for_reconfirmation(now=now, notice_days=settings.CONSENT_RECONFIRM_NOTICE_DAYS)
    users = get_user_model().objects.in_bulk({user_id for user_id, _email, _basis in due})
    by_user: dict[int, list[str]] = {}
    for user_id, email, _basis in due:
        by_user.setdefault(user_id, []).append(email)
    suppressed = {
        (user_id, email)
        for user_id, emails in by_user.items()
        for email in suppression_reasons(emails, user_id=user_id)
    }
    due = [(user_id, email, basis) for user_id, email, basis in due if (user_id, email) not in suppressed]
    for user_id, email, basis in due:
        with transaction.atomic():
            event = ConsentEvent.objects.create(
                user=users[user_id],
                email=email,
                kind=Kind.RECONFIRMED,
                basis=basis,
                source="re-confirmation notice (제50조⑧)",
                occurred_at=now,
            )
            _notify_on_commit(event, checked=True)
    return len(due)


# --------------------------------------------------------------------------- notices, in Korean


def _is_suppressed(event: ConsentEvent) -> bool:
    """The address is on the suppression list for the event's user (an opt-out, a bounce, an erasure)."""
    return bool(suppression_reasons([event.email], user_id=event.user_id))


def _notify_on_commit(event: ConsentEvent, *, checked: bool = False) -> None:
    """Send the event's notice once the transaction commits; never to a suppressed or erased address."""
    if not checked and _is_suppressed(event):
        return
    subject, text = consent_notice(event)
    transaction.on_commit(
        lambda: send_transactional_email.delay(to=event.email, subject=subject, text=text, category="consent")
    )


def consent_notice(event: ConsentEvent) -> tuple[str, str]:
    """The e-mail telling the recipient what happened (정보통신망법 시행령 제62조의2·제62조의3: the
    sender, the date, and the result). Always Korean: the recipient is a Korean address holder."""
    sender = sender_name(event.user)
    when = timezone.localtime(event.occurred_at).strftime("%Y년 %m월 %d일")
    if event.kind == Kind.GRANTED:
        subject = f"[{sender}] 광고성 정보 수신동의 처리 결과 안내"
        body = (
            f"{sender}의 광고성 정보 수신에 동의하신 사실을 알려 드립니다.\n\n"
            f"- 전송자: {sender}\n- 수신동의 일자: {when}\n- 처리 결과: 수신동의\n\n"
            "더 이상 받지 않으시려면 받으신 광고 메일의 수신거부 링크를 눌러 주세요 (무료)."
        )
    elif event.kind == Kind.WITHDRAWN:
        subject = f"[{sender}] 광고성 정보 수신거부 처리 결과 안내"
        body = (
            f"{sender}의 광고성 정보 수신거부가 처리되었음을 알려 드립니다.\n\n"
            f"- 전송자: {sender}\n- 수신거부 일자: {when}\n- 처리 결과: 수신거부\n\n"
            "앞으로 이 주소로 광고성 정보를 보내지 않습니다."
        )
    elif event.kind == Kind.RECONFIRMED:
        subject = f"[{sender}] 광고성 정보 수신동의 여부 확인 안내"
        body = (
            f"정보통신망법 제50조 제8항에 따라 {sender}의 광고성 정보 수신동의 사실을 2년마다 알려 드립니다.\n\n"
            f"- 전송자: {sender}\n- 안내 일자: {when}\n- 현재 상태: 수신동의\n\n"
            "계속 받으시려면 아무것도 하지 않으셔도 됩니다. 원하지 않으시면 받으신 광고 메일의 수신거부 "
            "링크를 눌러 주세요 (무료)."
        )
    else:  # REQUESTED: the double opt-in link
        link = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/consent/confirm/{opt_in_token(event)}/"
        subject = f"[{sender}] 광고성 정보 수신동의 확인 요청"
        body = (
            f"{sender}의 광고성 정보 수신동의를 요청하셨습니다. 아래 링크에서 동의를 확인해 주세요.\n{link}\n\n"
            f"링크는 {settings.CONSENT_OPT_IN_LINK_DAYS}일 동안 유효합니다. 요청하지 않으셨다면 이 메일을 "
            "무시하세요: 동의하지 않으면 광고성 정보를 보내지 않습니다."
        )
    return subject, body
