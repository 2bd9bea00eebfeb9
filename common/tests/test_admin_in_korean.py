"""Sales staff read the admin in Korean: every label of ours (model names, fields, help texts, choices,
list columns, fieldsets, actions) has a Korean translation in locale/ko, and no admin page shows one of
our English source strings.

Walks the admin registry and the models, so a model, field or action added later is covered.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import override

PO = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po"
# Names that read the same in Korean business writing.
SAME_IN_KOREAN = {"ID", "URL", "HTML", "SPF", "DKIM", "DMARC", "Message-ID", "In-Reply-To", "References"}

OUR_MODELS = [
    model
    for model in apps.get_models()
    if model._meta.app_config.name.startswith("apps.") and not model._meta.auto_created
]
OUR_ADMINS = [
    pytest.param(model, model_admin, id=model._meta.label)
    for model, model_admin in admin.site._registry.items()
    if model in OUR_MODELS
]


def catalogue_msgids() -> set[str]:
    """The English source strings of our catalogue (single-line and wrapped msgids)."""
    text = PO.read_text()
    ids = set()
    for match in re.finditer(r'^msgid ((?:".*"\n)+)', text, re.M):
        msgid = "".join(re.findall(r'^"(.*)"$', match.group(1), re.M)).replace('\\"', '"')
        if msgid:
            ids.add(msgid)
    return ids


def assert_translated(label, where: str) -> None:
    assert isinstance(label, Promise), f"{where}: {label!r} is a plain string, not gettext_lazy"
    with override("en"):
        english = str(label)
    with override("ko"):
        korean = str(label)
    assert english in SAME_IN_KOREAN or korean != english, f"{where}: {english!r} has no Korean translation"


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_every_model_label_has_a_korean_translation(model):
    opts = model._meta
    assert_translated(opts.verbose_name, f"{opts.label} verbose_name")
    assert_translated(opts.verbose_name_plural, f"{opts.label} verbose_name_plural")
    for field in opts.get_fields(include_parents=True):
        if field.auto_created:
            continue  # reverse relations are labelled by the other side; Django's automatic "ID"
        where = f"{opts.label}.{field.name}"
        assert_translated(field.verbose_name, where)
        if field.help_text:
            assert_translated(field.help_text, f"{where} help_text")
        for value, label in field.flatchoices if field.choices else []:
            assert_translated(label, f"{where} choice {value!r}")


def test_every_app_name_has_a_korean_translation():
    for config in apps.get_app_configs():
        if config.name.startswith("apps.") or config.name == "common":
            assert_translated(config.verbose_name, f"app {config.label}")


def admin_labels(model_admin):
    """(where, label) of everything a ModelAdmin names itself: columns, read-only displays,
    fieldsets, actions and the search help."""
    for name in [*model_admin.list_display, *model_admin.readonly_fields]:
        attr = getattr(model_admin, name, None) if isinstance(name, str) else name
        if callable(attr) and hasattr(attr, "short_description"):
            yield f"column {name}", attr.short_description
    for title, _options in model_admin.fieldsets or ():
        if title is not None:
            yield "fieldset", title
    for action in model_admin.actions or ():
        function = getattr(model_admin, action) if isinstance(action, str) else action
        if function is not None and action != "delete_selected":
            yield f"action {getattr(function, '__name__', action)}", function.short_description
    if model_admin.search_help_text:
        yield "search help", model_admin.search_help_text


@pytest.mark.parametrize("model,model_admin", OUR_ADMINS)
def test_every_admin_label_has_a_korean_translation(model, model_admin):
    for where, label in admin_labels(model_admin):
        assert_translated(label, f"{model._meta.label} admin {where}")


class _Text(HTMLParser):
    """The text a person reads on the page: text nodes, option labels, button values, titles."""

    SKIP = {"script", "style", "textarea"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])
        if attrs.get("title"):
            self.texts.append(attrs["title"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(data.strip())


def english_labels_on(html: str, msgids: set[str]) -> list[str]:
    """Our English strings the page shows as a whole text. The admin shows labels capitalised
    (capfirst), so a lower-case text equal to a lower-case msgid is data ("campaign" as a source)."""
    shown_as = {str(capfirst(msgid)) for msgid in msgids} - SAME_IN_KOREAN
    parser = _Text()
    parser.feed(html)
    return [text for text in (t.rstrip(":").strip() for t in parser.texts) if text in shown_as]


@pytest.fixture(scope="module")
def msgids():
    return catalogue_msgids()


@pytest.mark.parametrize("model,model_admin", OUR_ADMINS)
def test_admin_pages_show_no_english_label_of_ours(client, demo, model, model_admin, msgids, db):
    client.force_login(demo)  # the demo user is a superuser: every page and every action
    opts = model._meta
    pages = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
    request = RequestFactory().get(pages[0])
    request.user = demo
    if model_admin.has_add_permission(request):
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    for page in pages:
        response = client.get(page, HTTP_ACCEPT_LANGUAGE="ko")
        assert response.status_code == 200, page
        html = response.content.decode()
        assert 'lang="ko' in html, page
        assert english_labels_on(html, msgids) == [], page


def test_the_catalogue_is_the_one_in_use(client, demo):
    """The check above compares with locale/ko's msgids: make sure that catalogue is what Django reads."""
    client.force_login(demo)
    html = client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "SalesOne 관리자" in html
    assert "캠페인" in html and "선택한 캠페인 일시 중지" in html
