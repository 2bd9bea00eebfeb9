"""Real webhook signatures, made as the providers make them: an ECDSA P-256 key pair (SendGrid) and an
HMAC key (Mailgun)."""

import base64
import hashlib
import hmac
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


class SendGridSigner:
    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        # The "verification key" SendGrid shows: base64 of the DER public key, no PEM armour.
        self.public_key = base64.b64encode(der).decode()

    def sign(self, body: bytes, timestamp: int | None = None) -> dict:
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": base64.b64encode(signature).decode(),
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": timestamp,
        }


def sendgrid_body(events: list[dict]) -> bytes:
    """What SendGrid posts: compact JSON ending in CRLF."""
    return json.dumps(events, separators=(",", ":"), ensure_ascii=False).encode() + b"\r\n"


class MailgunSigner:
    def __init__(self):
        self.key = secrets.token_hex(16)

    def signature(self, timestamp: int | None = None, token: str | None = None) -> dict:
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        token = token or secrets.token_hex(25)
        digest = hmac.new(self.key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
        return {"timestamp": timestamp, "token": token, "signature": digest}
