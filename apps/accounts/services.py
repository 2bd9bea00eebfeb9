"""Password reset: a one-time link by transactional e-mail, then a new password that ends every session."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework.exceptions import ValidationError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.mail.tasks import send_transactional_email

from .models import User, normalize_email_address
from .tokens import token_version_bump

INVALID_LINK = "The reset link is invalid, already used or expired; ask for a new one."


def password_reset_request(*, email: str) -> None:
    """E-mail a reset link if an active account has this address; say nothing either way (no account
    enumeration). The token is void once the password changes (Django's token generator hashes it)."""
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
        # Whoever knew the old password is logged out: every refresh token of the user is blacklisted.
        outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
        BlacklistedToken.objects.bulk_create([BlacklistedToken(token=issued) for issued in outstanding])
        token_version_bump(user_id=user.pk)
    return user


@transaction.atomic
def user_logout(*, refresh: str) -> None:
    """Blacklist the refresh token and refuse every access token of its user issued until now.
    Raises TokenError for an invalid, expired or already blacklisted token."""
    token = RefreshToken(refresh)
    token.blacklist()
    token_version_bump(user_id=token[api_settings.USER_ID_CLAIM])
