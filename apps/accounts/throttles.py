"""Login throttles: per client IP and per e-mail address, counted in Redis (the default cache); and the
throttle of current-password checks on the profile."""

from rest_framework.throttling import SimpleRateThrottle

from .models import normalize_email_address


class LoginIPThrottle(SimpleRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginEmailThrottle(SimpleRateThrottle):
    """Stops a password guesser who rotates IP addresses against one account."""

    scope = "login_email"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email:
            return None
        return self.cache_format % {"scope": self.scope, "ident": normalize_email_address(email)}


class RegistrationThrottle(LoginIPThrottle):
    scope = "registration"


class PasswordResetIPThrottle(LoginIPThrottle):
    scope = "password_reset_ip"


class PasswordResetEmailThrottle(LoginEmailThrottle):
    """Keeps anyone from flooding one inbox with reset links."""

    scope = "password_reset_email"


class PasswordCheckThrottle(SimpleRateThrottle):
    """Guesses at a signed-in user's password: a profile change carrying ``current_password`` counts,
    per user, at THROTTLE_PASSWORD_CHECK (a stolen access token must not become the password). Other
    profile changes are not counted."""

    scope = "password_check"

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated or not hasattr(request.data, "get"):
            return None
        if request.data.get("current_password") in (None, ""):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if not allowed:
            request.password_check_throttled = True  # MeView answers with its own message
        return allowed
