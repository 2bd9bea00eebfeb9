"""Preview of a template that attacks the renderer: a JSON 400 naming the limit and the line.

The templates are stored directly (as if saved before the limits existed): saving refuses them now.
Each case is one attack of issue 16 §1; without its limit none would finish. How much CPU each one
costs before it is stopped is a benchmark's figure (`manage.py bench_template_limits`), not a test's:
a request's CPU time here also counts whatever the process imports first.
"""

import pytest

from .factories import CampaignTemplateFactory

pytestmark = pytest.mark.django_db

TIME = "TEMPLATE_RENDER_TIME_LIMIT_MS"
OUTPUT = "TEMPLATE_OUTPUT_LIMIT_CHARS"
INTEGER = "TEMPLATE_INTEGER_DIGITS_LIMIT"
LOOPS = "TEMPLATE_LOOP_ITERATIONS_LIMIT"

ATTACKS = {
    "power tower": ("{{ 9**(9**7) }}", INTEGER),
    "chained powers": ("{{ (10**100)**100 }}", INTEGER),
    "product of huge integers": ("{{ 10**999 * 10**999 }}", INTEGER),
    "int() of a huge digit string": ("{{ ('9' * 4000)|int }}", INTEGER),
    "int() of a huge hex string": ("{{ ('f' * 200000)|int(base=16) }}", INTEGER),
    "string multiplication": ("{{ 'a' * 10**7 }}", OUTPUT),
    "list multiplication": ("{{ [0] * 10**8 }}", OUTPUT),
    "huge range": ("{{ range(10**9)|length }}", LOOPS),
    "nested range loops": ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", LOOPS),
    "nested loops writing text": (
        "{% for i in range(300) %}{% for j in range(300) %}0123456789{% endfor %}{% endfor %}",
        OUTPUT,
    ),
    "loops over a long string": (
        "{% set s = 'ab' * 50000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        LOOPS,
    ),
    "percent format width": ("{{ '%0999999999d' % 1 }}", OUTPUT),
    "percent format of long strings": ("{{ '%s%s%s' % ('x' * 100000, 'x' * 100000, 'x' * 100000) }}", OUTPUT),
    "str.format width": ("{{ '{:>999999999}'.format(1) }}", OUTPUT),
    "str.format width from an argument": ("{{ '{:{w}}'.format('x', w=10**9) }}", OUTPUT),
    "percent width from an argument": ("{{ '%*d' % (10**9, 1) }}", OUTPUT),
    "recursive loop": (
        "{% for x in range(99999) recursive %}{% if loop.depth < 3 %}{{ loop(range(99999)) }}{% endif %}{% endfor %}",
        LOOPS,
    ),
    "namespace printed many times": ("{% set ns = namespace(a='x' * 100000) %}{{ [ns] * 10 }}", OUTPUT),
    "str.ljust": ("{{ 'a'.ljust(10**9) }}", OUTPUT),
    "int.to_bytes": ("{{ (1).to_bytes(10**9, 'big') }}", OUTPUT),
    "join": ("{{ range(100000)|join('x' * 100000) }}", OUTPUT),
    "replace": ("{{ ('a' * 100000)|replace('a', 'b' * 100000) }}", OUTPUT),
    "center": ("{{ 'a'|center(10**9) }}", OUTPUT),
    "indent": ("{{ ('a\\n' * 100000)|indent(100000) }}", OUTPUT),
    "wordwrap": ("{{ ('a ' * 50000)|wordwrap(1, wrapstring='x' * 100000) }}", OUTPUT),
    "format filter": ("{{ '%999999999s'|format('x') }}", OUTPUT),
    "batch fill": ("{{ [1]|batch(10**9, 'x')|list }}", OUTPUT),
    "slice": ("{{ [1]|slice(10**9)|list }}", OUTPUT),
    "concatenation": ("{% set a = 'x' * 200000 %}{{ a ~ a }}", OUTPUT),
    "list of one long string printed": ("{% set b = 'x' * 1000 %}{{ [b] * 100000 }}", OUTPUT),
    "lipsum": ("{{ lipsum(10**6) }}", OUTPUT),
    "exponential macro recursion": (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
        TIME,
    ),
}


def preview(client, template):
    return client.post(
        f"/api/campaign-templates/{template.pk}/preview/",
        {"is_advertising": False},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_answers_400_naming_the_limit_and_line(auth_client, user, attack):
    source, setting = attack
    body = f"<p>안녕하세요</p>\n<p>{{{{ company.name }}}}</p>\n{source}"
    template = CampaignTemplateFactory(user=user, title="안녕하세요", body=body)

    response = auth_client.post(
        f"/api/campaign-templates/{template.pk}/preview/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert detail.startswith("The template could not be rendered: Line 3: ")
    assert setting in detail


def test_time_limit_is_a_setting(auth_client, user, settings):
    settings.TEMPLATE_RENDER_TIME_LIMIT_MS = 20
    body = "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"
    template = CampaignTemplateFactory(user=user, body=body)

    response = auth_client.post(
        f"/api/campaign-templates/{template.pk}/preview/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "more than 20 ms of CPU time (TEMPLATE_RENDER_TIME_LIMIT_MS)" in response.json()["detail"]


def test_loop_and_output_limits_are_settings(auth_client, user, settings):
    settings.TEMPLATE_LOOP_ITERATIONS_LIMIT = 10
    settings.TEMPLATE_OUTPUT_LIMIT_CHARS = 1000
    looping = CampaignTemplateFactory(user=user, body="{% for i in range(11) %}{{ i }}{% endfor %}")
    writing = CampaignTemplateFactory(user=user, body="{{ 'x' * 600 }}{{ 'y' * 600 }}", title="t")

    response = preview(auth_client, looping)
    assert response.status_code == 400
    assert "range() of 11 numbers is over the limit of 10 loop iterations" in response.json()["detail"]
    response = preview(auth_client, writing)
    assert response.status_code == 400
    assert "writes more than 1,000 characters (TEMPLATE_OUTPUT_LIMIT_CHARS)" in response.json()["detail"]


def test_a_template_within_the_limits_still_renders(auth_client, user):
    body = (
        "{% for word in ['가', '나', '다'] %}{{ loop.index }}{{ word }}{% endfor %} "
        "{{ '%s님' % company.owner }} {{ '{:,}'.format(company.revenue) }} {{ 2**10 }} "
        "{{ range(3)|join('-') }} {{ company.name ~ '!' }} {{ (company.employee * 1.5)|round|int }} "
        "{{ '사업자 1234567890123 %s' % company.sgg_nm }}"
    )
    template = CampaignTemplateFactory(user=user, body=body)
    response = preview(auth_client, template)
    assert response.status_code == 200, response.data
    assert response.data["text"] == (
        "1가2나3다 홍길동님 1,200,000,000 1024 0-1-2 주식회사 샘플컴퍼니! 38 사업자 1234567890123 강남구\n"
    )
