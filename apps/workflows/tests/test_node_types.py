"""GET /api/workflows/node-types/ is the editor palette; node types come from the built-in package,
from modules named in settings and from the "salesone.workflow_nodes" entry-point group."""

import sys
import textwrap

import pytest
from jsonschema import Draft202012Validator

from apps.workflows.engine.registry import registry

from .factories import node

pytestmark = pytest.mark.django_db

BUILT_IN = {
    "webhook_trigger",
    "email",
    "slack",
    "webhook",
    "condition",
    "delay",
    "transform",
    "create_task",
    "update_task_status",
}


def test_palette_lists_every_built_in_type_with_metadata(auth_client):
    response = auth_client.get("/api/workflows/node-types/")
    assert response.status_code == 200
    types = {item["type"]: item for item in response.json()}
    assert set(types) >= BUILT_IN
    condition = types["condition"]
    assert condition["outputs"] == ["true", "false"] and condition["category"] == "logic"
    assert types["webhook_trigger"]["is_trigger"] is True and types["webhook_trigger"]["inputs"] == []
    assert types["email"]["data_schema"]["required"] == ["to", "subject"]
    for item in types.values():
        assert item["label"] and item["description"]
        Draft202012Validator.check_schema(item["data_schema"])


def test_plugin_module_from_settings_registers_a_type(settings):
    settings.WORKFLOW_NODE_PLUGINS = ["apps.workflows.tests.plugin_nodes"]
    sys.modules.pop("apps.workflows.tests.plugin_nodes", None)
    registry.unregister("test_shout")
    registry._loaded = False
    try:
        registry.ensure_loaded()
        assert registry.get("test_shout").label == "Shout"
    finally:
        registry.unregister("test_shout")


def test_plugin_type_runs_in_a_workflow(run_workflow):
    from .plugin_nodes import ShoutNode

    registry.register(ShoutNode)
    try:
        execution = run_workflow([node("s", "test_shout", {"text": "{{ input.word }}"})], input_data={"word": "hello"})
        assert execution.output_data == {"s": {"text": "HELLO"}}
    finally:
        registry.unregister("test_shout")


def test_entry_point_plugin_is_loaded(tmp_path, monkeypatch):
    package = tmp_path / "salesone_fax_node.py"
    package.write_text(
        textwrap.dedent(
            """
            from apps.workflows.engine.registry import register_node
            from apps.workflows.nodes.base import Node, NodeResult

            @register_node
            class FaxNode(Node):
                type = "test_fax"
                label = "Fax"
                description = "Sends a fax (test entry point)."

                def run(self, call):
                    return NodeResult(output={"sent": True})
            """
        )
    )
    dist = tmp_path / "salesone_fax_node-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: salesone-fax-node\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[salesone.workflow_nodes]\nfax = salesone_fax_node\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._loaded = False
    try:
        registry.ensure_loaded()
        assert registry.get("test_fax") is not None
    finally:
        registry.unregister("test_fax")
        sys.modules.pop("salesone_fax_node", None)
