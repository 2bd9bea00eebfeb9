"""A chunk builds its e-mails from one render of a mail-merge template (merge_render.py): each recipient
gets exactly the subject, HTML and text part a full render gives, tracked links signed for that
recipient; a template with logic, or a value inside a link, is rendered row by row as before."""

import base64
import hashlib
import hmac
import uuid

import pytest

from apps.campaigns.email_sender import ClaimedRow, build_messages
from apps.campaigns.merge_render import ChunkSkeleton
from apps.campaigns.rendering import SAMPLE_COMPANY
from apps.campaigns.tracking import (
    ChunkSigner,
    click_signature,
    click_signature_valid,
    result_id_from_token,
    result_token,
)

from .factories import CampaignFactory, CampaignTemplateFactory

pytestmark = pytest.mark.django_db

TITLE = "{{ company.owner }} 대표님,   {{ company.name }} 제안"
BODY = (
    "<p>안녕하세요 {{ company.owner }} 대표님,</p><p>{{ data['llm-generation'] }}</p>"
    "<p>{{ company.si_nm }} {{ company.sgg_nm }} · 직원 {{ company.employee }}명 · {{ company.homepage.0 }}"
    " · {{ company.nothing }} · {{ company.phone }}</p>"
    '<p><a href="https://salesone.kr/offer?utm_source=campaign&amp;x=1">제안서</a> '
    '<a href="mailto:sales@salesone.kr">메일</a></p>'
)
# The same e-mail with logic that changes nothing: no skeleton, every row rendered.
WITH_LOGIC = BODY + "{% if company.employee > 0 %}{% endif %}"

COMPANIES = [
    {"name": "(주)벤치", "owner": "김민준", "employee": 25},
    {"name": 'A&B <"컴퍼니">', "owner": "이서연's", "employee": 0},  # every character HTML escapes
    {"name": "  여러   칸 \n 띄운  회사 ", "owner": "박지훈", "phone": None},  # whitespace, a NULL column
    {"name": "{중괄호} 회사", "owner": "{{ not a template }}", "homepage": []},  # braces, an empty list
]


def _rows():
    rows = []
    for index, values in enumerate(COMPANIES):
        company = dict(SAMPLE_COMPANY, id=str(uuid.uuid4()), **values)
        row = ClaimedRow(uuid.uuid4(), f"ceo{index}@example.kr", company, "")
        rows.append(row)
    return rows


def _copies(rows):
    return [ClaimedRow(r.uuid, r.email, dict(r.company), "") for r in rows]


def _messages(campaign, rows):
    messages, _, failures = build_messages(campaign, rows)
    assert failures == []
    return [(m.to, m.subject, m.html, m.text, m.headers) for m in messages]


@pytest.mark.parametrize(
    ("options", "text_body"),
    [
        ({}, ""),
        ({"is_advertising": False}, ""),
        ({"track_clicks": False, "track_opens": False}, ""),
        ({"plain_text": True}, ""),
        ({}, "{{ company.owner }} 대표님께\n{{ data['llm-generation'] }}"),
    ],
)
def test_merged_emails_are_the_rendered_ones(user, options, text_body, caplog):
    merged = CampaignFactory(
        user=user, template=CampaignTemplateFactory(user=user, title=TITLE, body=BODY, text_body=text_body), **options
    )
    rendered = CampaignFactory(
        user=user,
        template=CampaignTemplateFactory(user=user, title=TITLE, body=WITH_LOGIC, text_body=text_body),
        **options,
    )
    rendered.pk = merged.pk  # the same campaign headers
    rows = _rows()
    assert ChunkSkeleton.build(title=TITLE, body=BODY, text_body=text_body, footer=None, plain_text=False,
                               clicks=True, opens=True) is not None  # fmt: skip

    assert _messages(merged, _copies(rows)) == _messages(rendered, _copies(rows))
    assert "differs" not in caplog.text  # the first row proved the skeleton: the others were merged


def test_merged_links_are_signed_for_each_recipient(user):
    campaign = CampaignFactory(user=user, template=CampaignTemplateFactory(user=user, title=TITLE, body=BODY))
    rows = _rows()
    messages, _, _ = build_messages(campaign, rows)

    seen = set()
    for row, message in zip(rows, messages, strict=True):
        [path] = [p for p in message.html.split('href="')[1:] if "/api/t/c/" in p]
        token, signature = path.split("/api/t/c/")[1].split("/")[:2]
        assert result_id_from_token(token) == row.uuid
        assert click_signature_valid("https://salesone.kr/offer?utm_source=campaign&x=1", signature, row.uuid)
        seen.add(signature)
    assert len(seen) == len(rows)


@pytest.mark.parametrize(
    "body",
    [
        WITH_LOGIC,
        "<p>{{ company.name | upper }}</p>",
        '<p><a href="https://salesone.kr/{{ company.id }}">링크</a></p>',  # a value in a link target
        '<p title="{{ company.name }}">속성</p>',  # a value in an attribute
        "<style>p { color: red }</style><p>{{ company.name }}</p>",  # CSS inlining re-serialises
        "{% set x = 1 %}<p>{{ company.name }}</p>",
    ],
)
def test_template_with_logic_or_values_in_tags_is_rendered_row_by_row(body):
    assert (
        ChunkSkeleton.build(
            title=TITLE, body=body, text_body="", footer=None, plain_text=False, clicks=True, opens=True
        )
        is None
    )


def test_row_rendered_row_by_row_keeps_its_logic(user):
    body = "<p>{% if company.employee > 10 %}큰 회사{% else %}작은 회사{% endif %} {{ company.name }}</p>"
    campaign = CampaignFactory(user=user, template=CampaignTemplateFactory(user=user, body=body))

    big, small = (m.html for m in build_messages(campaign, _rows()[:2])[0])

    assert "큰 회사 (주)벤치" in big
    assert "작은 회사 A&amp;B &lt;&#34;컴퍼니&#34;&gt;" in small


def test_a_value_in_a_table_gets_the_text_part_a_render_gives_whatever_its_width(user):
    """The text conversion pads a table's columns to the widest cell: the first row's value as wide
    as a marker must not make the other rows' text parts use the marker's width."""
    body = "<table><tr><td>{{ company.name }}</td><td>x</td></tr><tr><td>ab</td><td>y</td></tr></table>"
    merged = CampaignFactory(user=user, template=CampaignTemplateFactory(user=user, title="제안", body=body))
    rendered = CampaignFactory(
        user=user, template=CampaignTemplateFactory(user=user, title="제안", body=body + "{% if 1 %}{% endif %}")
    )
    rendered.pk = merged.pk
    rows = []
    for index, name in enumerate(["삼성전자", "엘지", "아주 긴 이름의 주식회사"]):  # 4 characters first
        rows.append(ClaimedRow(uuid.uuid4(), f"ceo{index}@example.kr", dict(SAMPLE_COMPANY, name=name), ""))

    assert _messages(merged, _copies(rows)) == _messages(rendered, _copies(rows))


# Merge fields, a conditional block, a tracked link, a mailto: link and the advertising footer.
WITH_CONDITION = (
    "<p>{{ company.owner }} 대표님,</p>"
    "{% if company.employee > 10 %}<p>직원 {{ company.employee }}명의 {{ company.name }}</p>{% endif %}"
    '<p><a href="https://salesone.kr/offer?utm_source=campaign&amp;x=1">제안서</a> '
    '<a href="mailto:sales@salesone.kr">메일</a> <a href="https://salesone.kr/케이스">사례</a></p>'
)


def test_a_conditional_template_is_rendered_per_row_and_signed_as_each_lead_alone(user):
    """A template with a conditional block has no skeleton: every row is rendered in full. What this
    compares is the signing: one ChunkSigner shared by the chunk's rows makes the same tokens, links and
    headers as a signer per row (each lead sent as a chunk of its own). The merged path is compared
    with the render by test_merged_emails_are_the_rendered_ones."""
    campaign = CampaignFactory(user=user, template=CampaignTemplateFactory(user=user, title=TITLE, body=WITH_CONDITION))
    rows = _rows()
    assert ChunkSkeleton.build(title=TITLE, body=WITH_CONDITION, text_body="", footer=None, plain_text=False,
                               clicks=True, opens=True) is None  # fmt: skip

    alone = [message for row in _copies(rows) for message in _messages(campaign, [row])]

    assert _messages(campaign, _copies(rows)) == alone


@pytest.mark.parametrize("secret", ["", "a-rotated-tracking-key"])
def test_chunk_signer_signs_as_the_per_link_functions(settings, secret):
    """The chunk's signer (hash states keyed once, copied per row) makes the tokens and signatures
    the tracking views verify, for any result and target — and the ones the format's definition gives
    with the standard library's HMAC and BLAKE2b, so tokens already in inboxes keep verifying."""
    settings.TRACKING_SIGNING_KEY = secret
    signer = ChunkSigner()
    for result_id in [uuid.uuid4() for _ in range(20)] + [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)]:
        token = signer.token(result_id)
        assert token == result_token(result_id)
        assert result_id_from_token(token) == result_id
        sign = signer.link_signer(result_id)
        for target in ["https://salesone.kr/offer?utm_source=campaign&x=1", "https://salesone.kr/케이스", ""]:
            assert sign(target) == click_signature(target, result_id)
            assert click_signature_valid(target, sign(target), result_id)
            assert sign(target) == _reference_signature(secret or settings.SECRET_KEY, result_id, target)
        assert token == _reference_token(secret or settings.SECRET_KEY, result_id)


def _reference_token(secret: str, result_id: uuid.UUID) -> str:
    """The token as the module docstring defines it, with the standard library's HMAC: what links and
    reply addresses already in inboxes were signed with, whatever the module computes it with."""
    key = hashlib.sha256(b"salesone.tracking.v1\x00" + secret.encode()).digest()
    mac = hmac.new(key, b"r" + result_id.bytes, hashlib.sha256).digest()[:14]
    return base64.urlsafe_b64encode(result_id.bytes + mac).decode()


def _reference_signature(secret: str, result_id: uuid.UUID, target: str) -> str:
    key = hashlib.sha256(b"salesone.tracking.click.v2\x00" + secret.encode()).digest()
    return base64.urlsafe_b64encode(
        hashlib.blake2b(result_id.bytes + target.encode(), key=key, digest_size=12).digest()
    ).decode()
