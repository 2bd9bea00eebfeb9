import io

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.clients import demo
from apps.clients.models import Client, ClientActivity, ClientEmailAttachment, ClientFile, ClientNote, ClientProduct
from apps.clients.selectors import client_insights
from common.demo import DemoContext

pytestmark = pytest.mark.django_db


def counts(user):
    return {
        model.__name__: model.objects.filter(
            **{"email__user" if model is ClientEmailAttachment else "user": user}
        ).count()
        for model in (Client, ClientNote, ClientFile, ClientProduct, ClientActivity, ClientEmailAttachment)
    }


def test_demo_seed_is_idempotent_and_realistic(settings):
    ctx = DemoContext(user=UserFactory(), stdout=io.StringIO())

    demo.seed(ctx)
    first = counts(ctx.user)
    demo.seed(ctx)

    assert (
        counts(ctx.user)
        == first
        == {
            "Client": 3,
            "ClientNote": 2,
            "ClientFile": 2,
            "ClientProduct": 3,
            "ClientActivity": 3,
            "ClientEmailAttachment": 1,
        }
    )
    zero = Client.objects.get(user=ctx.user, name="제로커뮤니케이션(주)")
    assert (zero.representative_name, zero.emails, zero.business_number) == (
        "유창해",
        ["admin@zerocommunication.co.kr"],
        "1234567890",  # stored as digits, shown 123-45-67890
    )
    # Files are real PDFs (encrypted on disk), once each.
    for client_file in ClientFile.objects.filter(user=ctx.user):
        with client_file.file.open("rb") as handle:
            assert handle.read().startswith(b"%PDF-")
    assert len(list((settings.MEDIA_ROOT / "clients").rglob("*.pdf"))) == 3
    # The seeded interactions give the demo client a real, non-zero engagement score.
    assert client_insights(client=zero)["insights"]["engagement_score"] > 0
