"""The NTS business-status API (국세청 사업자등록 상태조회, data.go.kr / odcloud).

``POST {base}/status?serviceKey=KEY`` with ``{"b_no": [...]}``, at most 100 numbers a call, answers
``{"status_code": "OK", "data": [{"b_no", "b_stt", "b_stt_cd", "tax_type", "end_dt", ...}]}``.
``b_stt_cd``: 01 계속사업자 (active), 02 휴업자 (suspended), 03 폐업자 (closed); empty for a number the
NTS does not know (its ``tax_type`` then says so). A failed call (connection, 429, 5xx) is retried
with exponential backoff by urllib3's ``Retry``; a 4xx other than 429 is an error at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

BATCH_SIZE = 100  # the API refuses more numbers in one call (413 TOO_LARGE_REQUEST)

STATUS_ACTIVE = "01"
STATUS_SUSPENDED = "02"
STATUS_CLOSED = "03"


class NtsError(Exception):
    """The API did not answer, or answered something other than a status list."""


@dataclass(frozen=True)
class BusinessStatus:
    b_no: str
    status_code: str  # "01", "02", "03", or "" (not registered with the NTS)
    status_name: str  # b_stt as the NTS words it, e.g. 폐업자
    tax_type: str
    end_date: str  # end_dt, YYYYMMDD, for a closed business; else ""


def batches(numbers: Iterable[str], size: int = BATCH_SIZE) -> Iterator[list[str]]:
    batch: list[str] = []
    for number in numbers:
        batch.append(number)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class NtsClient:
    def __init__(self, *, base_url: str, service_key: str, timeout: float, retries: int = 3, backoff: float = 0.5):
        if not base_url or not service_key:
            raise NtsError("NTS_API_URL and NTS_SERVICE_KEY must be set to check business status.")
        self.url = base_url.rstrip("/") + "/status"
        self.service_key = service_key
        self.timeout = timeout
        self.session = requests.Session()
        retry = Retry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"POST"}),  # a status query changes nothing: safe to repeat
            raise_on_status=False,
        )
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))

    def statuses(self, business_numbers: Iterable[str]) -> dict[str, BusinessStatus]:
        """The status of each 10-digit number, one call per 100 numbers."""
        found: dict[str, BusinessStatus] = {}
        for batch in batches(dict.fromkeys(business_numbers)):
            found.update(self._call(batch))
        return found

    def _call(self, batch: list[str]) -> dict[str, BusinessStatus]:
        try:
            response = self.session.post(
                self.url,
                params={"serviceKey": self.service_key, "returnType": "JSON"},
                json={"b_no": batch},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise NtsError(f"the NTS API did not answer: {exc}") from exc
        if response.status_code != 200:
            raise NtsError(f"the NTS API answered {response.status_code}: {response.text[:200]}")
        try:
            body = response.json()
            rows = body["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise NtsError(f"the NTS API answered without a status list: {response.text[:200]}") from exc
        return {
            row["b_no"]: BusinessStatus(
                b_no=row["b_no"],
                status_code=row.get("b_stt_cd") or "",
                status_name=row.get("b_stt") or "",
                tax_type=row.get("tax_type") or "",
                end_date=row.get("end_dt") or "",
            )
            for row in rows
            if isinstance(row, dict) and row.get("b_no")
        }
