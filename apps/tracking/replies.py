"""Matching an inbound mail to the campaign e-mail it answers.

In order: a ``reply+<token>@`` recipient (links.reply_address, when the campaign set it as Reply-To),
then the Message-IDs in In-Reply-To and References against CampaignLeadResult.message_id (the
Message-ID header the campaign set when sending, <result id@domain>), with or without angle brackets.
"""

from __future__ import annotations

import re
import uuid

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tracking import result_id_from_token
from services.email.tracking import InboundMail, referenced_message_ids

from .models import InboundMessage

_REPLY_ADDRESS = re.compile(r"^reply\+([A-Za-z0-9_-]+)@", re.IGNORECASE)
_UNSUBSCRIBE_ADDRESS = re.compile(r"^unsubscribe\+([A-Za-z0-9_-]+)@", re.IGNORECASE)


def unsubscribe_request_of(mail: InboundMail) -> CampaignLeadResult | None:
    """The result whose List-Unsubscribe mailto: (links.unsubscribe_address) this mail was sent to."""
    for address in mail.to:
        found = _UNSUBSCRIBE_ADDRESS.match(address.strip())
        result_id = result_id_from_token(found.group(1)) if found else None
        result = CampaignLeadResult.objects.filter(id=result_id).first() if result_id else None
        if result is not None:
            return result
    return None


def match_reply(mail: InboundMail) -> tuple[CampaignLeadResult | None, str]:
    for address in mail.to:
        found = _REPLY_ADDRESS.match(address.strip())
        if not found:
            continue
        result_id = result_id_from_token(found.group(1))
        result = CampaignLeadResult.objects.filter(id=result_id).first() if result_id else None
        if result is not None:
            return result, InboundMessage.MatchedBy.REPLY_ADDRESS
    ids = referenced_message_ids(mail)
    # Our Message-ID is <result id@domain> (apps/campaigns/email_sender.py build_messages): look the row up
    # by primary key (message_id has no index, so the settle stays HOT), then check that the stored
    # Message-ID is the referenced one.
    result_ids = {rid for i in ids if (rid := _result_id_of(i))}
    if result_ids:
        by_message_id = {
            r.message_id.strip("<>"): r for r in CampaignLeadResult.objects.filter(id__in=result_ids) if r.message_id
        }
        for message_id in ids:
            if message_id in by_message_id:
                return by_message_id[message_id], InboundMessage.MatchedBy.MESSAGE_ID
    return None, InboundMessage.MatchedBy.NONE


def _result_id_of(message_id: str) -> uuid.UUID | None:
    local, at, _ = message_id.strip().strip("<>").partition("@")
    if not at:
        return None
    try:
        return uuid.UUID(local)
    except ValueError:
        return None
