"""Strings in a node's data are sandboxed Jinja2 templates over the execution context."""

import pytest

from apps.mail.models import OutboxMessage

from .factories import edge, node, transform

pytestmark = pytest.mark.django_db


def test_email_is_rendered_from_input_and_upstream_outputs(run_workflow):
    nodes = [
        transform("calc", compute={"vat": "input.amount // 10"}),
        node(
            "mail",
            "email",
            {
                "to": "{{ input.email }}",
                "subject": "{{ input.company_name }} 세금계산서",
                "body": "<p>부가세 {{ nodes.calc.output.vat }}원, 상태 {{ nodes.calc.status }}</p>",
            },
        ),
    ]
    data = {"email": "admin@zerocommunication.co.kr", "company_name": "제로커뮤니케이션(주)", "amount": 123000}
    execution = run_workflow(nodes, [edge("calc", "mail")], input_data=data)
    assert execution.status == "completed", execution.error_message
    message = OutboxMessage.objects.get()
    assert message.to_email == "admin@zerocommunication.co.kr"
    assert message.subject == "제로커뮤니케이션(주) 세금계산서"
    assert "부가세 12300원, 상태 completed" in message.html
    mail_run = execution.node_runs.get(node_id="mail")
    assert mail_run.input["subject"] == "제로커뮤니케이션(주) 세금계산서"  # the rendered data is logged


def test_single_expression_keeps_its_type(run_workflow):
    execution = run_workflow(
        [transform("t", set={"tags": "{{ input.tags }}", "n": "{{ input.tags | length }}"})],
        input_data={"tags": [1, 2, 3]},
    )
    assert execution.output_data["t"]["tags"] == [1, 2, 3]
    assert execution.output_data["t"]["n"] == 3


def test_rename_compute_and_remove(run_workflow):
    execution = run_workflow(
        [
            transform(
                "t",
                rename={"receipt_reciever": "receiver"},
                compute={"total": "(record.amount * 1.1) | round | int"},
                remove=["secret"],
            )
        ],
        input_data={"receipt_reciever": "유창해", "amount": 1000, "secret": "x"},
    )
    assert execution.output_data["t"] == {"receiver": "유창해", "amount": 1000, "total": 1100}


def test_sandbox_refuses_unsafe_attributes(run_workflow):
    execution = run_workflow([transform("t", set={"x": "{{ input.__class__.__mro__ }}"})], input_data={"a": 1})
    # The sandbox refuses the attribute (one sandbox for every user template, campaigns included)
    # and the node fails saying so, instead of exposing Python internals or hiding them silently.
    assert execution.status == "failed"
    assert "Access to '__class__' of a dict is not allowed" in execution.error_message


def test_sandbox_error_fails_the_node_with_a_message(run_workflow):
    execution = run_workflow([transform("t", compute={"x": "input.tags.append(4)"})], input_data={"tags": [1]})
    assert execution.status == "failed"
    assert "compute x" in execution.error_message
