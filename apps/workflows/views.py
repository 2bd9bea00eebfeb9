"""/api/workflows/ (CRUD, activate, deactivate, execute, templates, node types, webhook secret),
the inbound hook /api/workflows/{id}/hooks/{secret}/ and /api/workflow-executions/."""

import io

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils.mediatypes import media_type_matches
from rest_framework.views import APIView

from common.exceptions import PayloadTooLarge
from common.parsers import BoundedJSONParser
from common.views import OwnedModelViewSet, OwnedQuerysetMixin

from .engine.registry import registry
from .filters import WorkflowExecutionFilter, WorkflowFilter
from .models import Workflow, WorkflowExecution
from .serializers import (
    HookAcceptedSerializer,
    NodeTypeSerializer,
    TemplateInstantiateSerializer,
    WebhookSecretSerializer,
    WorkflowExecuteSerializer,
    WorkflowExecutionDetailSerializer,
    WorkflowExecutionSerializer,
    WorkflowSerializer,
    WorkflowTemplateSerializer,
)
from .services import (
    execution_cancel,
    workflow_activate,
    workflow_deactivate,
    workflow_execute,
    workflow_hook_path,
    workflow_hook_trigger,
    workflow_instantiate_template,
    workflow_rotate_secret,
)
from .templates_catalog import template_list

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class WorkflowViewSet(OwnedModelViewSet):
    queryset = Workflow.objects.select_related("user")
    serializer_class = WorkflowSerializer
    filterset_class = WorkflowFilter
    search_fields = ["name", "description"]
    ordering_fields = ["created_at", "updated_at", "name"]
    ordering = ["-created_at"]
    lookup_value_regex = UUID_PATTERN

    @extend_schema(request=None, responses={200: WorkflowSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        workflow = workflow_activate(workflow=self.get_object())
        return Response(self.get_serializer(workflow).data)

    @extend_schema(request=None, responses={200: WorkflowSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        workflow = workflow_deactivate(workflow=self.get_object())
        return Response(self.get_serializer(workflow).data)

    @extend_schema(
        request=WorkflowExecuteSerializer,
        responses={202: WorkflowExecutionSerializer, 409: OpenApiTypes.OBJECT},
        description=(
            "Start an execution with `input_data`, or with the whole body as the input when it has no "
            "`input_data` key; only an active workflow executes (409 otherwise)."
        ),
    )
    @action(detail=True, methods=["post"])
    def execute(self, request, pk=None):
        workflow = self.get_object()
        body = WorkflowExecuteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        execution = workflow_execute(workflow=workflow, input_data=body.validated_data["input_data"])
        return Response(WorkflowExecutionSerializer(execution).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: WebhookSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        workflow = workflow_rotate_secret(workflow=self.get_object())
        return Response({"webhook_url": settings.PUBLIC_BASE_URL + workflow_hook_path(workflow)})

    @extend_schema(responses={200: NodeTypeSerializer(many=True)}, filters=False)
    @action(detail=False, methods=["get"], url_path="node-types", pagination_class=None, filter_backends=[])
    def node_types(self, request):
        """The editor palette: every registered node type with its metadata and data schema."""
        return Response([node_type.metadata() for node_type in registry.all()])

    @extend_schema(responses={200: WorkflowTemplateSerializer(many=True)}, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def templates(self, request):
        """Shipped templates, then the user's own workflows marked as templates."""
        shipped = [{**template, "shipped": True} for template in template_list()]
        own = [
            {
                "key": str(w.pk),
                "name": w.name,
                "description": w.description,
                "nodes": w.nodes,
                "edges": w.edges,
                "sample_input": {},
                "shipped": False,
            }
            for w in self.get_queryset().filter(is_template=True)
        ]
        return Response(WorkflowTemplateSerializer([*shipped, *own], many=True).data)

    @extend_schema(
        request=TemplateInstantiateSerializer,
        responses={201: WorkflowSerializer, 404: OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("key", str, OpenApiParameter.PATH)],
        filters=False,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path=r"templates/(?P<key>[\w-]+)/instantiate",
        pagination_class=None,
        filter_backends=[],
    )
    def instantiate_template(self, request, key=None):
        """Copy a template into a new, inactive workflow of yours."""
        body = TemplateInstantiateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workflow = workflow_instantiate_template(user=request.user, key=key, name=body.validated_data["name"])
        return Response(self.get_serializer(workflow).data, status=status.HTTP_201_CREATED)


class WorkflowHookView(APIView):
    """Inbound webhook trigger: no JWT, the secret in the URL is the credential (wrong → 404).

    A POST is answered as a plain Django view: there is no authentication, permission, throttle or
    content negotiation to do here, and DRF's request wrapping and response rendering were a tenth
    of the request's CPU. The answers are DRF's (the project's exception handler builds the error
    bodies); other methods take DRF's path. The class stays an APIView so the schema documents it.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # machine-to-machine traffic; the secret gates it
    parser_classes = [BoundedJSONParser]

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs, self.request = args, kwargs, request
        try:
            response = self.post(request, *args, **kwargs)
        except Exception as exc:
            response = self.get_exception_handler()(exc, self.get_exception_handler_context())
            if response is None:
                raise
        headers = {name: value for name, value in response.items() if name.lower() != "content-type"}
        return JsonResponse(response.data, status=response.status_code, headers=headers)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={202: HookAcceptedSerializer, 404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
        auth=[],
        description=(
            "Start an execution with the JSON body as its input; the secret in the URL is the credential. "
            "A workflow without side effects (triggers, transforms, conditions; at most "
            "WORKFLOW_HOOK_INLINE_MAX_NODES nodes) runs during the request: `status` is `completed` or "
            "`failed` and the run is already stored. Any other is queued: `status` is `pending`."
        ),
    )
    def post(self, request, workflow_id, secret):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.WORKFLOW_HOOK_MAX_BYTES:
            raise PayloadTooLarge(
                _("The body may be at most %(limit)d bytes.") % {"limit": settings.WORKFLOW_HOOK_MAX_BYTES}
            )
        body = request.body
        payload = _hook_json(request, body) if body else {}
        execution = workflow_hook_trigger(workflow_id=workflow_id, secret=secret, payload=payload)
        return Response(
            {"execution_id": str(execution.pk), "status": execution.status}, status=status.HTTP_202_ACCEPTED
        )


def _hook_json(request, body: bytes):
    """The body parsed as DRF's JSONParser would (415 for another media type, 400 when malformed)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not media_type_matches(BoundedJSONParser.media_type, content_type):
        raise UnsupportedMediaType(content_type)
    encoding = request.encoding or settings.DEFAULT_CHARSET
    return BoundedJSONParser().parse(io.BytesIO(body), content_type, {"encoding": encoding})


class WorkflowExecutionViewSet(
    OwnedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    owner_field = "workflow__user"
    queryset = WorkflowExecution.objects.select_related("workflow")
    serializer_class = WorkflowExecutionSerializer
    filterset_class = WorkflowExecutionFilter
    ordering_fields = ["created_at", "completed_at", "status"]
    ordering = ["-created_at"]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("node_runs")
        return queryset

    def get_serializer_class(self):
        return (
            WorkflowExecutionDetailSerializer if self.action in ("retrieve", "cancel") else WorkflowExecutionSerializer
        )

    @extend_schema(request=None, responses={200: WorkflowExecutionDetailSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        execution = execution_cancel(execution=self.get_object())
        execution = self.get_queryset().prefetch_related("node_runs").get(pk=execution.pk)
        return Response(self.get_serializer(execution).data)
