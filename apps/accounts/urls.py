from django.urls import path

from . import views

urlpatterns = [
    path("registration/", views.RegistrationView.as_view(), name="auth-registration"),
    path("registration/confirm/", views.RegistrationConfirmView.as_view(), name="auth-registration-confirm"),
    path("login/", views.LoginView.as_view(), name="auth-login"),
    path("token/refresh/", views.RefreshView.as_view(), name="auth-token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("me/", views.MeView.as_view(), name="auth-me"),
    path("password-reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path("password-reset/confirm/", views.PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"),
]
