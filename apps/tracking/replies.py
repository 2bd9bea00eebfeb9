"""Matching an inbound mail to the campaign e-mail it answers.

In order: a ``reply+<token>@`` recipient (links.reply_address, when the campaign set it as Reply-To),
then the Message-IDs in In-Reply-To and References against CampaignLeadResult.message_id (the
Message-ID header the campaign set when sending), with or without angle brackets.
"""

from __future__ import annotations

import re

from apps.campaigns.models import CampaignLeadResult
from services.email.tracking import InboundMail, referenced_message_ids

from .links import result_id_from_token
from .models import InboundMessage

_REPLY_ADDRESS = re.compile(r"^reply\+([A-Za-z0-9_-]+)@", re.IGNORECASE)


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
    if ids:
        candidates = ids + [f"<{i}>" for i in ids]
        by_message_id = {
            r.message_id.strip("<>"): r
            for r in CampaignLeadResult.objects.filter(message_id__in=candidates).exclude(message_id="")
        }
        for message_id in ids:
            if message_id in by_message_id:
                return by_message_id[message_id], InboundMessage.MatchedBy.MESSAGE_ID
    return None, InboundMessage.MatchedBy.NONE
