"""Workflow templates are bounded: saving evaluates nothing, a node over a limit fails with the
limit and the line, and no node stores an output larger than the output limit. (What a stopped
render costs in CPU is `manage.py bench_template_limits`'s figure: a timed assertion here also
counted the process's first imports.)"""

import pytest

from .factories import node, transform

pytestmark = pytest.mark.django_db


def post(client, nodes):
    return client.post("/api/workflows/", {"name": "한도", "nodes": nodes, "edges": []}, format="json")


@pytest.mark.parametrize(
    "data",
    [
        {"set": {"x": "{{ 9**(9**7) }}"}},
        {"set": {"x": "합계 {{ 9**(9**7) }}원"}},
        {"set": {"x": "{{ 'a' * 10**9 }}"}},
        {"set": {"x": "{% for i in range(10**5) %}{% for j in range(10**5) %}{{ i }}{% endfor %}{% endfor %}"}},
        {"compute": {"y": "9**(9**7)"}},
    ],
)
def test_saving_evaluates_no_user_expression(auth_client, data):
    # Evaluated, each would stop at a limit and the save would answer 400 naming it.
    response = post(auth_client, [transform("t", **data)])
    assert response.status_code == 201, response.data


@pytest.mark.parametrize(
    ("data", "failure"),
    [
        (
            {"set": {"x": "{{ 9**(9**7) }}"}},
            "Line 1: The template computes an integer longer than 1,000 digits (TEMPLATE_INTEGER_DIGITS_LIMIT)",
        ),
        (
            {"set": {"x": "{{ 'a' * 10**7 }}"}},
            "Line 1: The template builds a value of 10,000,000 characters or items, over the limit of 262,144",
        ),
        (
            {"set": {"x": "{{ ['x' * 200000] * 10 }}"}},
            "The expression's value takes more than 262,144 characters (TEMPLATE_OUTPUT_LIMIT_CHARS)",
        ),
        (
            {"set": {"x": "목록:\n{% for i in range(1000) %}{% for j in range(1000) %}.{% endfor %}{% endfor %}"}},
            "Line 2: The template's loops run more than 100,000 times (TEMPLATE_LOOP_ITERATIONS_LIMIT)",
        ),
        (
            {"compute": {"y": "(10**100)**100"}},
            "compute y: expression '(10**100)**100' failed: Line 1: The template computes an integer longer",
        ),
        (
            {"compute": {"y": "range(10**9)"}},
            "range() of 1,000,000,000 numbers is over the limit of 100,000 loop iterations",
        ),
    ],
)
def test_node_over_a_limit_fails_with_the_limit(run_workflow, data, failure):
    execution = run_workflow([transform("t", **data)], input_data={"a": 1})
    assert execution.status == "failed"
    node_run = execution.node_runs.get(node_id="t")
    assert node_run.status == "failed"
    assert failure in node_run.error
    assert node_run.output == {}


def test_time_limit_fails_the_node(run_workflow, settings):
    settings.TEMPLATE_RENDER_TIME_LIMIT_MS = 50
    body = "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"
    execution = run_workflow([node("mail", "email", {"to": "a@b.kr", "subject": "s", "body": body})])
    assert execution.status == "failed"
    error = execution.node_runs.get(node_id="mail").error
    assert "more than 50 ms of CPU time (TEMPLATE_RENDER_TIME_LIMIT_MS)" in error


def test_templates_within_the_limits_still_render(run_workflow):
    execution = run_workflow(
        [transform("t", set={"n": "{{ 2**64 }}", "s": "{{ input.name * 2 }}"}, compute={"r": "range(3)|list"})],
        input_data={"name": "세모"},
    )
    assert execution.status == "completed", execution.error_message
    assert execution.output_data["t"] == {"name": "세모", "n": 2**64, "s": "세모세모", "r": [0, 1, 2]}
