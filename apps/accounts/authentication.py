"""JWT authentication that refuses access tokens of an ended session (apps.accounts.tokens)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from .tokens import VERSION_CLAIM, token_version_get


class VersionedJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        user_id = token.get(api_settings.USER_ID_CLAIM)
        # A token without the claim predates versions: it is as good as version 0.
        if user_id is not None and token.get(VERSION_CLAIM, 0) != token_version_get(user_id):
            raise InvalidToken(
                {
                    "detail": _("This session has ended (logout or password reset); log in again."),
                    "code": "token_revoked",
                }
            )
        return token


class VersionedJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same Bearer JWT as simplejwt's."""

    target_class = "apps.accounts.authentication.VersionedJWTAuthentication"
