"""Demo data: one erasure in the audit log (of an address the demo never held), so the admin's
log and /api/privacy/requests/ show what an entry looks like."""

from .models import PrivacyRequest
from .services import privacy_erase


def seed(ctx) -> None:
    if PrivacyRequest.objects.filter(user=ctx.user).exists():
        return
    privacy_erase(user=ctx.user, email="former.customer@demo.example", reason="데모: 정보주체의 삭제 요구")
    ctx.say("privacy: one erasure in the audit log")
