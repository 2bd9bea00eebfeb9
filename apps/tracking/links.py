"""Tracking links put into campaign e-mails at send time (the seam between sending and tracking).

The campaigns app calls these while rendering; the tracking app serves the URLs they produce.
"""

from django.conf import settings
from django.core import signing

_SALT = "salesone.tracking"


def _token(result_id) -> str:
    return signing.dumps(str(result_id), salt=_SALT, compress=False)


def unsubscribe_url(result_id) -> str:
    """The opt-out link every advertising e-mail carries (정보통신망법 제50조)."""
    return f"{settings.PUBLIC_BASE_URL}/api/t/u/{_token(result_id)}/"


def list_unsubscribe_headers(result_id) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with RFC 8058 one-click."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(result_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def instrument_html(html: str, result_id) -> str:
    """Rewrite links for click tracking and add the open pixel. Not built yet: returns the body as is."""
    return html
