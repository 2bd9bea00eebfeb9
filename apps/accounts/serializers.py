"""Wire shapes for users and authentication."""

from django.contrib.auth import password_validation
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from common.serializers import ModelSerializer

from .models import User, normalize_email_address
from .services import sessions_end_all
from .tokens import VersionedRefreshToken


class UserSerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "is_active", "is_staff", "date_joined", "last_login"]
        read_only_fields = fields


def _validate_unique_email(email: str, exclude_pk=None) -> str:
    email = normalize_email_address(email)
    taken = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise serializers.ValidationError(_("A user with this e-mail address already exists."))
    return email


class RegistrationSerializer(serializers.Serializer):
    """Whether the address is taken is never said here (accounts.services.user_register)."""

    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_email(self, value):
        return normalize_email_address(value)

    def validate(self, attrs):
        candidate = User(email=attrs["email"], first_name=attrs["first_name"], last_name=attrs["last_name"])
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except Exception as exc:  # django.core.exceptions.ValidationError
            raise serializers.ValidationError({"password": list(getattr(exc, "messages", [str(exc)]))}) from exc
        return attrs


class RegistrationConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)


class AuthResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = UserSerializer()


def tokens_for(user: User) -> dict:
    refresh = VersionedRefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh), "user": UserSerializer(user).data}


class LoginSerializer(TokenObtainPairSerializer):
    token_class = VersionedRefreshToken
    default_error_messages = {"no_active_account": _("E-mail or password is incorrect.")}

    def validate(self, attrs):
        attrs[self.username_field] = normalize_email_address(attrs.get(self.username_field, ""))
        data = super().validate(attrs)
        data["user"] = UserSerializer(self.user).data
        return data


class RefreshSerializer(TokenRefreshSerializer):
    token_class = VersionedRefreshToken


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class MeUpdateSerializer(ModelSerializer):
    """Profile changes. Changing the password needs the current one."""

    current_password = serializers.CharField(write_only=True, required=False, max_length=128)
    new_password = serializers.CharField(write_only=True, required=False, max_length=128)

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "current_password", "new_password"]
        extra_kwargs = {
            "email": {"required": False},
            "first_name": {"required": False},
            "last_name": {"required": False},
        }

    def validate_email(self, value):
        return _validate_unique_email(value, exclude_pk=self.instance.pk)

    def validate(self, attrs):
        new_password = attrs.get("new_password")
        if new_password is not None:
            current = attrs.get("current_password")
            if not current:
                raise serializers.ValidationError({"current_password": [_("The current password is required.")]})
            if not self.instance.check_password(current):
                raise serializers.ValidationError({"current_password": [_("The current password is incorrect.")]})
            try:
                password_validation.validate_password(new_password, user=self.instance)
            except Exception as exc:
                raise serializers.ValidationError({"new_password": list(getattr(exc, "messages", [str(exc)]))}) from exc
        elif "current_password" in attrs:
            raise serializers.ValidationError({"new_password": [_("Give the new password to change it.")]})
        return attrs

    def update(self, instance, validated_data):
        validated_data.pop("current_password", None)
        new_password = validated_data.pop("new_password", None)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        with transaction.atomic():
            if new_password:
                instance.set_password(new_password)
            instance.save()
            if new_password:
                sessions_end_all(user=instance)
        return instance


class MeResponseSerializer(UserSerializer):
    """The user, and after a password change the new token pair of the session that changed it
    (every other session was logged out); both null otherwise."""

    access = serializers.CharField(allow_null=True, read_only=True)
    refresh = serializers.CharField(allow_null=True, read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "access", "refresh"]
        read_only_fields = fields


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
