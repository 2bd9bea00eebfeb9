import factory

from apps.accounts.tests.factories import UserFactory
from apps.workflows.models import Workflow


def node(node_id: str, node_type: str, data: dict | None = None) -> dict:
    return {"id": node_id, "type": node_type, "data": data or {}, "position": {"x": 0, "y": 0}}


def edge(source: str, target: str, handle: str | None = None) -> dict:
    result = {"id": f"{source}->{target}:{handle or 'main'}", "source": source, "target": target}
    if handle is not None:
        result["sourceHandle"] = handle
    return result


def transform(node_id: str, **data) -> dict:
    return node(node_id, "transform", data)


class WorkflowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workflow

    name = factory.Sequence(lambda n: f"워크플로 {n}")
    user = factory.SubFactory(UserFactory)
    nodes = factory.LazyFunction(lambda: [transform("start", set={"hello": "world"})])
    edges = factory.LazyFunction(list)
    is_active = True


def hook_then(user, then: dict) -> Workflow:
    """A workflow of a webhook trigger (node "hook") followed by the node ``then``."""
    return WorkflowFactory(user=user, nodes=[node("hook", "webhook_trigger"), then], edges=[edge("hook", then["id"])])
