"""manage.py load_industries: the shipped codes, or a full KSIC file with Korean headers and bare codes."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.salesone_leads.models import Industry

pytestmark = pytest.mark.django_db


def test_shipped_codes_load_once(db):
    call_command("load_industries", stdout=StringIO())
    count = Industry.objects.count()
    assert Industry.objects.get(code="S96113").name == "피부 미용업"
    out = StringIO()
    call_command("load_industries", stdout=out)
    assert Industry.objects.count() == count and "0 created" in out.getvalue()


def test_full_ksic_file_with_korean_headers(tmp_path):
    path = tmp_path / "ksic.csv"
    path.write_text(
        "코드,항목명\n96113,피부 미용업\n46800,상품 종합 도매업\n62010,컴퓨터 프로그래밍 서비스업\n", "utf-8"
    )
    Industry.objects.create(code="S96113", name="옛 이름")
    out = StringIO()
    call_command("load_industries", str(path), stdout=out)
    assert "2 created, 1 renamed" in out.getvalue()
    assert dict(Industry.objects.values_list("code", "name")) == {
        "S96113": "피부 미용업", "G46800": "상품 종합 도매업", "J62010": "컴퓨터 프로그래밍 서비스업",
    }  # fmt: skip
