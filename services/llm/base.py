"""The interface of a personalisation backend and the lead facts it may use."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field


@dataclass
class LeadProfile:
    """What a backend knows of one lead: its company, industry, goods and keywords."""

    name: str = ""
    owner: str = ""
    industry: str = ""
    goods: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    si_nm: str = ""
    sgg_nm: str = ""


class PersonalizationBackend(abc.ABC):
    @abc.abstractmethod
    def generate(self, leads: list[LeadProfile], *, campaign_id: str = "", sender: str = "") -> list[str]:
        """One personalised sentence or paragraph per lead, in the same order."""
