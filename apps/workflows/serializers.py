"""Workflow shapes on the wire: the React Flow graph, executions and their node logs."""

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.tasks.serializers import TaskSerializer
from common.serializers import ModelSerializer, UserSummarySerializer

from .engine.graph import validate
from .models import NodeRun, Workflow, WorkflowExecution
from .services import workflow_hook_path


class GraphNodeSerializer(serializers.Serializer):
    """A React Flow node (documentation of the shape; validation is the engine's)."""

    id = serializers.CharField()
    type = serializers.CharField()
    data = serializers.DictField(required=False)
    position = serializers.DictField(required=False)


class GraphEdgeSerializer(serializers.Serializer):
    id = serializers.CharField(required=False)
    source = serializers.CharField()
    target = serializers.CharField()
    sourceHandle = serializers.CharField(required=False, allow_null=True)


@extend_schema_field(GraphNodeSerializer(many=True))
class NodesField(serializers.JSONField):
    pass


@extend_schema_field(GraphEdgeSerializer(many=True))
class EdgesField(serializers.JSONField):
    pass


class WorkflowSerializer(ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    nodes = NodesField(required=False)
    edges = EdgesField(required=False)
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "description",
            "nodes",
            "edges",
            "is_active",
            "is_template",
            "timeout_seconds",
            "template_key",
            "webhook_url",
            "user",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_active", "template_key", "webhook_url", "user", "created_at", "updated_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_webhook_url(self, workflow: Workflow) -> str:
        return settings.PUBLIC_BASE_URL + workflow_hook_path(workflow)

    def validate(self, attrs):
        nodes = attrs.get("nodes", self.instance.nodes if self.instance else [])
        edges = attrs.get("edges", self.instance.edges if self.instance else [])
        if nodes is None:
            nodes = attrs["nodes"] = []
        if edges is None:
            edges = attrs["edges"] = []
        errors = validate(nodes, edges)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class WorkflowExecuteSerializer(serializers.Serializer):
    """The input of a manual run: ``{"input_data": {...}}``, or the input itself as the body
    (``{"company_name": ...}``), which is how "execute with the provided data" reads. Keys beside
    ``input_data`` are refused rather than dropped: the run would see none of them."""

    input_data = serializers.DictField(
        required=False,
        default=dict,
        help_text="The workflow's input (`input.*`). Without this key, the whole body is the input.",
    )

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {"input_data": [_('Send a JSON object: the input itself, or {"input_data": {...}}.')]}
            )
        if "input_data" not in data:
            return {"input_data": dict(data)}
        beside = sorted(key for key in data if key != "input_data")
        if beside:
            raise serializers.ValidationError(
                {
                    "input_data": [
                        _(
                            "Send the input either inside input_data or as the whole body, not both: "
                            "%(keys)s would be left out of the run."
                        )
                        % {"keys": ", ".join(beside)}
                    ]
                }
            )
        return super().to_internal_value(data)


class TemplateInstantiateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class WorkflowTemplateSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A shipped template's key, or the id of your own template workflow.")
    name = serializers.CharField()
    description = serializers.CharField()
    nodes = NodesField()
    edges = EdgesField()
    sample_input = serializers.DictField()
    shipped = serializers.BooleanField()


class NodeTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    inputs = serializers.ListField(child=serializers.CharField())
    outputs = serializers.ListField(child=serializers.CharField())
    is_trigger = serializers.BooleanField()
    side_effects = serializers.BooleanField()
    data_schema = serializers.DictField(help_text="JSON Schema of the node's `data`.")


class WebhookSecretSerializer(serializers.Serializer):
    webhook_url = serializers.URLField()


class HookAcceptedSerializer(serializers.Serializer):
    execution_id = serializers.UUIDField()
    # Run in the request: completed or failed, already stored; queued for a worker: pending.
    status = serializers.ChoiceField(choices=WorkflowExecution.HOOK_ANSWER_STATUSES)


class NodeRunSerializer(ModelSerializer):
    class Meta:
        model = NodeRun
        fields = [
            "node_id",
            "node_type",
            "status",
            "branch",
            "input",
            "output",
            "error",
            "attempt",
            "started_at",
            "finished_at",
            "resume_at",
        ]
        read_only_fields = fields


class WorkflowExecutionSerializer(ModelSerializer):
    workflow_name = serializers.CharField(source="workflow.name", read_only=True)

    class Meta:
        model = WorkflowExecution
        fields = [
            "id",
            "workflow",
            "workflow_name",
            "task",
            "status",
            "trigger",
            "input_data",
            "output_data",
            "error_message",
            "started_at",
            "completed_at",
            "deadline_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WorkflowExecutionDetailSerializer(WorkflowExecutionSerializer):
    node_runs = NodeRunSerializer(many=True, read_only=True)

    class Meta(WorkflowExecutionSerializer.Meta):
        fields = [*WorkflowExecutionSerializer.Meta.fields, "node_runs"]
        read_only_fields = fields


# --- a task's workflow runs (apps.tasks reaches these through its workflows_seam) -----------------


class TaskWorkflowExecutionSerializer(ModelSerializer):
    class Meta:
        model = WorkflowExecution
        fields = ["id", "workflow", "status", "started_at", "completed_at"]
        read_only_fields = fields


class TaskExecutionSummarySerializer(ModelSerializer):
    class Meta:
        model = WorkflowExecution
        fields = ["id", "workflow", "status"]
        read_only_fields = fields


class TaskExecuteWorkflowResponseSerializer(serializers.Serializer):
    task = TaskSerializer()
    executions = TaskExecutionSummarySerializer(many=True)
