"""Registration and password reset by transactional e-mail, answered alike whether or not the address
has an account: registration is confirmed by a link sent to the address, a reset link is sent only to
an existing account, and the request does the same work (a password hash, one queued task) either way.
A new password ends every session."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.mail.tasks import send_transactional_email

from .models import User, normalize_email_address
from .tokens import token_version_bump

INVALID_LINK = _("The reset link is invalid, already used or expired; ask for a new one.")
INVALID_CONFIRMATION = _("The confirmation link is invalid, already used or expired; register again for a new one.")


class RegistrationTokenGenerator(PasswordResetTokenGenerator):
    """Confirmation links: void once used (the confirmation time is hashed in) or after
    PASSWORD_RESET_TIMEOUT."""

    key_salt = "apps.accounts.services.RegistrationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.email_confirmed_at}{user.email}{timestamp}"


registration_token_generator = RegistrationTokenGenerator()


def user_register(*, email: str, password: str, first_name: str = "", last_name: str = "") -> None:
    """Register an address without saying whether it already has an account. A new address gets an
    inactive account and a confirmation link; a taken one keeps its account untouched and its owner
    is told someone tried. Both paths hash the password and queue one e-mail task (same time, same
    answer); the worker decides which e-mail to write."""
    from .tasks import send_registration_email

    email = normalize_email_address(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email, password=password, first_name=first_name, last_name=last_name, is_active=False
                )
        except IntegrityError:  # registered concurrently: the address is taken after all
            user = User.objects.get(email__iexact=email)
    else:
        make_password(password)  # the work a new account costs, so the answer takes as long
    user_id = str(user.pk)
    transaction.on_commit(lambda: send_registration_email.delay(user_id=user_id))


def registration_email_send(*, user_id: str) -> None:
    """Worker side of user_register: the confirmation link for an account waiting for it, else a
    notice to the owner of the address."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    if user.email_confirmed_at is None and not user.is_active:
        link = settings.REGISTRATION_CONFIRM_URL.format(
            uid=urlsafe_base64_encode(force_bytes(user.pk)), token=registration_token_generator.make_token(user)
        )
        subject = "[SalesOne] 이메일 주소 확인 / Confirm your e-mail address"
        text = (
            f"SalesOne 가입을 마치려면 아래 링크를 여세요.\n{link}\n\n가입하지 않으셨다면 이 메일을 무시하세요.\n\n"
            f"To finish signing up for SalesOne, open this link: {link}\n"
            "If you did not sign up, ignore this e-mail."
        )
        category = "registration_confirm"
    else:
        subject = "[SalesOne] 이미 가입된 주소입니다 / You already have an account"
        text = (
            "누군가 이 주소로 SalesOne 가입을 시도했습니다. 이미 계정이 있으니 로그인하거나, 비밀번호가 "
            "기억나지 않으면 비밀번호 재설정을 이용하세요. 직접 하신 일이 아니라면 이 메일을 무시하세요.\n\n"
            "Someone tried to sign up for SalesOne with this address, which already has an account: log in, "
            "or reset your password if you forgot it. If it was not you, ignore this e-mail."
        )
        category = "registration_taken"
    send_transactional_email.delay(to=user.email, subject=subject, text=text, category=category)


@transaction.atomic
def registration_confirm(*, uid: str, token: str) -> User:
    """The link of the confirmation e-mail: the account becomes active, once."""
    try:
        user = User.objects.select_for_update().get(pk=force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError, DjangoValidationError, User.DoesNotExist):
        raise ValidationError({"token": [INVALID_CONFIRMATION]}) from None
    if user.email_confirmed_at is not None or not registration_token_generator.check_token(user, token):
        raise ValidationError({"token": [INVALID_CONFIRMATION]})
    user.email_confirmed_at = timezone.now()
    user.is_active = True
    user.save(update_fields=["email_confirmed_at", "is_active"])
    return user


def password_reset_request(*, email: str) -> None:
    """Queue the reset e-mail. Whether the address has an account is looked up by the worker, so the
    answer takes the same time either way (no account enumeration)."""
    from .tasks import send_password_reset

    transaction.on_commit(lambda: send_password_reset.delay(email=email))


def password_reset_send(*, email: str) -> None:
    """Worker side: e-mail a reset link if an active account has this address, else nothing. The
    token is void once the password changes (Django's token generator hashes it)."""
    user = User.objects.filter(email__iexact=normalize_email_address(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    link = settings.PASSWORD_RESET_URL.format(
        uid=urlsafe_base64_encode(force_bytes(user.pk)), token=default_token_generator.make_token(user)
    )
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    text = (
        f"SalesOne 비밀번호 재설정\n\n아래 링크에서 새 비밀번호를 정하세요 ({minutes}분 동안 한 번 쓸 수 있습니다).\n"
        f"{link}\n\n요청하지 않으셨다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.\n\n"
        f"Reset your SalesOne password within {minutes} minutes: {link}\n"
        "If you did not ask for this, ignore this e-mail; your password stays as it is."
    )
    transaction.on_commit(
        lambda: send_transactional_email.delay(
            to=user.email, subject="[SalesOne] 비밀번호 재설정 / Password reset", text=text, category="password_reset"
        )
    )


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uid)), is_active=True)
    except (ValueError, TypeError, OverflowError, DjangoValidationError, User.DoesNotExist):
        raise ValidationError({"token": [INVALID_LINK]}) from None
    if not default_token_generator.check_token(user, token):
        raise ValidationError({"token": [INVALID_LINK]})
    try:
        password_validation.validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        sessions_end_all(user=user)
    return user


def sessions_end_all(*, user: User) -> None:
    """Log out every session of the user (after a password change or reset: whoever knew the old
    password is out): every refresh token is blacklisted and every access token issued until now is
    refused."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=issued) for issued in outstanding])
    token_version_bump(user_id=user.pk)


@transaction.atomic
def user_logout(*, refresh: str) -> None:
    """Blacklist the refresh token and refuse every access token of its user issued until now.
    Raises TokenError for an invalid, expired or already blacklisted token."""
    token = RefreshToken(refresh)
    token.blacklist()
    token_version_bump(user_id=token[api_settings.USER_ID_CLAIM])
