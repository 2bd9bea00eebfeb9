"""The bounded renderer runs templates through Jinja's public API (Template.make_module): the same
output whether the caller merges the globals once (a campaign's batch) or per render, the limits
still apply on the shared path, and an expression's value comes back."""

import pytest

from common import templating

SOURCE = "{% for i in range(2) %}{{ i }}:{{ company.name }} {% endfor %}{{ lipsum(1, html=False)|length > 0 }}"


def test_a_shared_render_with_the_globals_merged_once_writes_what_a_plain_render_writes():
    template = templating.environment(autoescape=True).from_string(SOURCE)
    variables = {"company": {"name": "(주)대우캐리어판매 <b>"}}

    plain = templating.render(template, variables)
    shared = templating.render(template, {**template.globals, **variables}, shared=True)

    assert plain == shared == "0:(주)대우캐리어판매 &lt;b&gt; 1:(주)대우캐리어판매 &lt;b&gt; True"


def test_a_shared_render_is_bounded_too_and_names_the_limit_and_line():
    template = templating.environment(autoescape=False).from_string("ok\n{{ 'a' * 10**9 }}")
    with pytest.raises(templating.TemplateLimitError) as raised:
        templating.render(template, dict(template.globals), shared=True)
    assert raised.value.lineno == 2


def test_a_top_level_set_is_read_back_from_the_rendered_module():
    template = templating.environment(autoescape=False).from_string("{% set total = amount * 2 %}{{ total }}")
    module = templating.render_module(template, {"amount": 21})
    assert (module.total, str(module)) == (42, "42")


def test_an_expression_returns_its_value_and_none_when_undefined():
    env = templating.environment(autoescape=False)
    assert templating.compile_expression(env, "record.amount * 1.1")({"record": {"amount": 10}}) == pytest.approx(11)
    assert templating.compile_expression(env, "record.missing")({"record": {}}) is None


def test_the_limits_are_built_once_and_a_changed_setting_applies_to_the_next_render(settings):
    template = templating.environment(autoescape=False).from_string("{% for i in range(50) %}.{% endfor %}")
    assert templating.render(template, {}) == "." * 50
    assert templating.TemplateLimits.from_settings() is templating.TemplateLimits.from_settings()

    default = settings.TEMPLATE_LOOP_ITERATIONS_LIMIT
    settings.TEMPLATE_LOOP_ITERATIONS_LIMIT = 10
    with pytest.raises(templating.TemplateLimitError, match="TEMPLATE_LOOP_ITERATIONS_LIMIT"):
        templating.render(template, {})

    settings.TEMPLATE_LOOP_ITERATIONS_LIMIT = default
    assert templating.render(template, {}) == "." * 50
