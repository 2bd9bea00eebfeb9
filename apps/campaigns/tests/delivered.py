"""The MIME messages a provider would deliver, rebuilt from the requests its fake received.

SendGrid's v3 request holds the parts once (with placeholders) and each recipient's substitutions
and headers; Mailgun's form holds %recipient.x% references and the recipient-variables. Rebuilding
what the recipient's mail server gets lets a test read it as that server (and SpamAssassin) would.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import formataddr

from testing.fake_email_providers import expand_recipient_variables


def _mime(*, to, from_email, subject, headers, text, html) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_email
    message["To"] = to
    message["Subject"] = subject
    for name, value in headers.items():
        message[name] = value
    if text:
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return message


def sendgrid_delivered(fake) -> list[EmailMessage]:
    messages = []
    for request in fake.requests:
        body = request["body"]
        content = {c["type"]: c["value"] for c in body["content"]}
        sender = body["from"]
        for p in body["personalizations"]:
            parts = dict(content)
            for key, value in (p.get("substitutions") or {}).items():
                parts = {kind: text.replace(key, value) for kind, text in parts.items()}
            for to in p["to"]:
                messages.append(
                    _mime(
                        to=to["email"],
                        from_email=formataddr((sender.get("name", ""), sender["email"])),
                        subject=p.get("subject", body.get("subject", "")),
                        headers=p.get("headers") or {},
                        text=parts.get("text/plain", ""),
                        html=parts.get("text/html", ""),
                    )
                )
    return messages


def mailgun_delivered(fake) -> list[EmailMessage]:
    messages = []
    for request in fake.requests:
        fields = request["fields"]
        single = dict(fields)
        variables = json.loads(single.get("recipient-variables") or "{}")
        for to in [v for k, v in fields if k == "to"]:
            mine = variables[to]

            def expand(text: str, mine=mine) -> str:
                return expand_recipient_variables(text, mine)

            messages.append(
                _mime(
                    to=to,
                    from_email=single["from"],
                    subject=expand(single.get("subject", "")),
                    headers={k[2:]: expand(v) for k, v in fields if k.startswith("h:")},
                    text=expand(single.get("text", "")),
                    html=expand(single.get("html", "")),
                )
            )
    return messages


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) of a delivered message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return (text.get_content() if text else ""), (html.get_content() if html else "")
