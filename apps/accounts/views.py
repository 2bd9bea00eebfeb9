"""The /api/auth/ endpoints: the six of SPEC.md, registration confirmation and the password reset."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from .serializers import (
    AuthResponseSerializer,
    DetailSerializer,
    LoginSerializer,
    LogoutSerializer,
    MeResponseSerializer,
    MeUpdateSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RefreshSerializer,
    RegistrationConfirmSerializer,
    RegistrationSerializer,
    UserSerializer,
    tokens_for,
)
from .services import (
    password_reset_confirm,
    password_reset_request,
    registration_confirm,
    user_logout,
    user_register,
)
from .throttles import (
    LoginEmailThrottle,
    LoginIPThrottle,
    PasswordCheckThrottle,
    PasswordResetEmailThrottle,
    PasswordResetIPThrottle,
    RegistrationThrottle,
)
from .tokens import VersionedRefreshToken

REGISTRATION_ACCEPTED = _("Check your inbox: we sent a link to this address to finish signing up.")


class RegistrationView(generics.GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [RegistrationThrottle]
    serializer_class = RegistrationSerializer

    @extend_schema(
        responses={202: DetailSerializer},
        description="Starts a registration: the same 202 whether or not the address already has an account "
        "(its owner gets a confirmation link, or a notice that the account exists). The account works once "
        "the link is confirmed (registration/confirm/).",
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_register(**serializer.validated_data)
        return Response({"detail": REGISTRATION_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class RegistrationConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [RegistrationThrottle]

    @extend_schema(
        request=RegistrationConfirmSerializer,
        responses={200: AuthResponseSerializer, 400: OpenApiResponse(description="Invalid, used or expired link")},
        description="Confirms the address with the uid and token of the e-mailed link; answers the tokens, "
        "so the new user is logged in.",
    )
    def post(self, request):
        serializer = RegistrationConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = registration_confirm(**serializer.validated_data)
        return Response(tokens_for(user))


class LoginView(TokenObtainPairView):
    serializer_class = LoginSerializer
    throttle_classes = [LoginIPThrottle, LoginEmailThrottle]

    @extend_schema(
        responses={200: AuthResponseSerializer, 401: OpenApiResponse(description="Wrong e-mail or password")}
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RefreshView(TokenRefreshView):
    """Rotates the refresh token; the old one is blacklisted (SIMPLE_JWT settings)."""

    serializer_class = RefreshSerializer


class LogoutView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=LogoutSerializer,
        responses={205: None, 400: OpenApiResponse(description="Invalid, expired or already blacklisted token")},
        description="Ends the session of this refresh token, and refuses every access token the user holds "
        "from now on (other devices refresh theirs and go on).",
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user_logout(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [*APIView.throttle_classes, PasswordCheckThrottle]

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    _update_doc = (
        "Changes the profile. A password change needs the current password, logs out every other "
        "session of the user, and answers with the new token pair of this one (`access`, `refresh`; "
        "null when the password did not change). Requests carrying `current_password` are limited per "
        "user (THROTTLE_PASSWORD_CHECK, 5/min by default): past it, a 429 with Retry-After, whether the "
        "password was right or not."
    )

    def throttled(self, request, wait):
        if getattr(request, "password_check_throttled", False):
            raise Throttled(wait, detail=str(_("Too many password attempts. Try again later.")))
        super().throttled(request, wait)

    @extend_schema(request=MeUpdateSerializer, responses=MeResponseSerializer, description=_update_doc)
    def put(self, request):
        return self._update(request)

    @extend_schema(request=MeUpdateSerializer, responses=MeResponseSerializer, description=_update_doc)
    def patch(self, request):
        return self._update(request)

    def _update(self, request):
        serializer = MeUpdateSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        tokens = {"access": None, "refresh": None}
        if "new_password" in serializer.validated_data:
            refresh = VersionedRefreshToken.for_user(user)
            tokens = {"access": str(refresh.access_token), "refresh": str(refresh)}
        return Response({**UserSerializer(user).data, **tokens})


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PasswordResetIPThrottle, PasswordResetEmailThrottle]

    @extend_schema(
        request=PasswordResetRequestSerializer,
        responses={202: DetailSerializer},
        description="E-mails a one-time reset link when an active account has this address. The answer is "
        "the same whether or not it has one.",
    )
    def post(self, request):
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_request(email=serializer.validated_data["email"])
        return Response(
            {"detail": _("If an account uses this address, a reset link is on its way.")},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PasswordResetIPThrottle]

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={
            200: DetailSerializer,
            400: OpenApiResponse(description="Invalid, used or expired link, or a password the validators refuse"),
        },
        description="Sets the new password from the e-mailed link's uid and token; every session of the user "
        "ends (refresh tokens blacklisted).",
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_confirm(**serializer.validated_data)
        return Response({"detail": _("Password changed; log in with the new one.")})
