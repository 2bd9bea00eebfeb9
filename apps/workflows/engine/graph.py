"""The workflow graph: React Flow nodes ``{id, type, data, position}`` and edges
``{id, source, target, sourceHandle}``; validation on save, and the parsed form the executor walks.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from django.utils.translation import gettext as _

from apps.workflows.nodes.base import ERROR, MAIN

from . import templating
from .registry import registry

MAX_NODES = 500


class GraphError(Exception):
    """The graph cannot be saved or run; ``errors`` maps "nodes"/"edges" to messages naming the node."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    handle: str  # "main", "true", "false", "error", …


def _handle(node_type, raw) -> str:
    """Normalise a sourceHandle: a node with a single output accepts any name (or none) for it."""
    if raw in (None, ""):
        return MAIN if node_type.outputs == [MAIN] else ""
    raw = str(raw)
    if raw == ERROR:
        return ERROR
    if node_type.outputs == [MAIN]:
        return MAIN
    return raw


class Graph:
    """Parsed and checked; built once per execution (cheap) and walked by the executor."""

    __slots__ = ("has_error_edge", "incoming", "nodes", "order", "outgoing", "start", "templated", "types")

    def __init__(self, nodes: list[dict], edges: list[dict], *, validated: bool = False):
        # An execution's snapshot was validated when the workflow was saved; only the cheap
        # structural checks below are repeated for it.
        if not validated:
            errors = validate(nodes, edges)
            if errors:
                raise GraphError(errors)
        unknown = [n["type"] for n in nodes if registry.get(n["type"]) is None]
        if unknown:
            raise GraphError({"nodes": [_("unknown node type %(type)r.") % {"type": t} for t in unknown]})
        self.nodes: dict[str, dict] = {n["id"]: n for n in nodes}
        self.types = {n["id"]: registry.get(n["type"]) for n in nodes}
        self.incoming: dict[str, list[Edge]] = {node_id: [] for node_id in self.nodes}
        self.outgoing: dict[str, list[Edge]] = {node_id: [] for node_id in self.nodes}
        for raw in edges:
            edge = Edge(raw["source"], raw["target"], _handle(self.types[raw["source"]], raw.get("sourceHandle")))
            self.incoming[edge.target].append(edge)
            self.outgoing[edge.source].append(edge)
        # Data without templates is the stored graph's own JSON: it needs no check once rendered.
        self.templated = {
            node_id: any(True for _ in templating.template_strings(n.get("data") or {}, self.types[node_id].raw_fields))
            for node_id, n in self.nodes.items()
        }
        self.has_error_edge = {node_id: any(e.handle == ERROR for e in out) for node_id, out in self.outgoing.items()}
        self.start = [node_id for node_id in self.nodes if not self.incoming[node_id]]
        self.order = _topological_order(list(self.nodes), self.outgoing)
        if self.order is None:
            raise GraphError({"edges": [_("the graph has a cycle.")]})

    def successors(self, node_id: str) -> list[str]:
        seen: dict[str, None] = {}
        for edge in self.outgoing[node_id]:
            seen.setdefault(edge.target)
        return list(seen)

    def sinks(self) -> list[str]:
        return [node_id for node_id, out in self.outgoing.items() if not out]


def _topological_order(node_ids: list[str], outgoing) -> list[str] | None:
    indegree = dict.fromkeys(node_ids, 0)
    for node_id in node_ids:
        for edge in outgoing[node_id]:
            indegree[edge.target] += 1
    queue = deque(n for n in node_ids if indegree[n] == 0)
    order = []
    while queue:
        node_id = queue.popleft()
        order.append(node_id)
        for edge in outgoing[node_id]:
            indegree[edge.target] -= 1
            if indegree[edge.target] == 0:
                queue.append(edge.target)
    return order if len(order) == len(node_ids) else None


def _find_cycle(node_ids: list[str], successors: dict[str, list[str]]) -> list[str]:
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(node_ids, WHITE)
    parent: dict[str, str] = {}
    for root in node_ids:
        if colour[root] != WHITE:
            continue
        stack = [(root, iter(successors[root]))]
        colour[root] = GREY
        while stack:
            node_id, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node_id] = BLACK
                stack.pop()
            elif colour[child] == WHITE:
                colour[child] = GREY
                parent[child] = node_id
                stack.append((child, iter(successors[child])))
            elif colour[child] == GREY:
                cycle = [child]
                walk = node_id
                while walk != child:
                    cycle.append(walk)
                    walk = parent[walk]
                cycle.append(child)
                return list(reversed(cycle))
    return []


def _schema_message(error) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


def _node_problem(node_id: str, type_name: str, problem: str) -> str:
    return _('node "%(id)s" (%(type)s): %(problem)s') % {"id": node_id, "type": type_name, "problem": problem}


def validate(nodes, edges) -> dict[str, list[str]]:
    """Every problem of the graph, each message naming its node or edge. Empty dict: valid."""
    node_errors: list[str] = []
    edge_errors: list[str] = []
    if not isinstance(nodes, list):
        return {"nodes": [_("must be a list of nodes.")]}
    if not isinstance(edges, list):
        return {"edges": [_("must be a list of edges.")]}
    if len(nodes) > MAX_NODES:
        return {"nodes": [_("a workflow has at most %(max)d nodes.") % {"max": MAX_NODES}]}

    types: dict[str, type] = {}
    seen_ids: set[str] = set()
    for index, node in enumerate(nodes):
        if not isinstance(node, dict):
            node_errors.append(
                _("node #%(index)d: must be an object with id, type, data and position.") % {"index": index}
            )
            continue
        node_id = node.get("id")
        if not isinstance(node_id, str) or not node_id or len(node_id) > 100:
            node_errors.append(
                _("node #%(index)d: `id` must be a non-empty string of at most 100 characters.") % {"index": index}
            )
            continue
        if node_id in seen_ids:
            node_errors.append(_('node "%(id)s": duplicate id.') % {"id": node_id})
            continue
        seen_ids.add(node_id)
        type_name = node.get("type")
        node_type = registry.get(type_name) if isinstance(type_name, str) else None
        if node_type is None:
            node_errors.append(_('node "%(id)s": unknown node type %(type)r.') % {"id": node_id, "type": type_name})
            continue
        types[node_id] = node_type
        data = node.get("data", {})
        if data is None:
            data = {}
        if not isinstance(data, dict):
            node_errors.append(
                _('node "%(id)s" (%(type)s): `data` must be an object.') % {"id": node_id, "type": type_name}
            )
            continue
        for error in sorted(registry.validator(type_name).iter_errors(data), key=lambda e: list(e.absolute_path)):
            node_errors.append(_node_problem(node_id, type_name, _schema_message(error)))
        for source in templating.template_strings(data, node_type.raw_fields):
            problem = templating.check_syntax(source)
            if problem:
                node_errors.append(_node_problem(node_id, type_name, problem))
        check = getattr(node_type, "check_data", None)
        if check:
            for problem in check(data):
                node_errors.append(_node_problem(node_id, type_name, problem))
        position = node.get("position")
        if position is not None and not (
            isinstance(position, dict) and all(isinstance(position.get(axis), int | float) for axis in ("x", "y"))
        ):
            node_errors.append(_('node "%(id)s": `position` must be {"x": number, "y": number}.') % {"id": node_id})

    known_ids = {n.get("id") for n in nodes if isinstance(n, dict)}
    successors: dict[str, list[str]] = {node_id: [] for node_id in types}
    seen_edges: set[tuple] = set()
    seen_edge_ids: set[str] = set()
    for index, edge in enumerate(edges):
        if not isinstance(edge, dict):
            edge_errors.append(
                _("edge #%(index)d: must be an object with id, source, target and sourceHandle.") % {"index": index}
            )
            continue
        label = (
            _('edge "%(id)s"') % {"id": edge["id"]}
            if isinstance(edge.get("id"), str) and edge.get("id")
            else _("edge #%(index)d") % {"index": index}
        )
        edge_id = edge.get("id")
        if isinstance(edge_id, str) and edge_id:
            if edge_id in seen_edge_ids:
                edge_errors.append(_("%(edge)s: duplicate id.") % {"edge": label})
            seen_edge_ids.add(edge_id)
        source, target = edge.get("source"), edge.get("target")
        bad = False
        for end, value in (("source", source), ("target", target)):
            if not isinstance(value, str) or value not in known_ids:
                edge_errors.append(
                    _("%(edge)s: %(end)s %(value)r is not a node of this workflow.")
                    % {"edge": label, "end": end, "value": value}
                )
                bad = True
        if bad or source not in types or target not in types:
            continue
        if source == target:
            edge_errors.append(
                _('%(edge)s: node "%(node)s" cannot connect to itself.') % {"edge": label, "node": source}
            )
            continue
        if types[target].is_trigger:
            edge_errors.append(
                _('%(edge)s: node "%(node)s" is a trigger and cannot have incoming edges.')
                % {"edge": label, "node": target}
            )
        raw_handle = edge.get("sourceHandle")
        if raw_handle is not None and not isinstance(raw_handle, str):
            edge_errors.append(_("%(edge)s: sourceHandle must be a string or null.") % {"edge": label})
            continue
        handle = _handle(types[source], raw_handle)
        if handle != ERROR and handle not in types[source].outputs:
            expected = ", ".join(f'"{h}"' for h in [*types[source].outputs, ERROR])
            edge_errors.append(
                _('%(edge)s: node "%(node)s" (%(type)s) has no output %(handle)r; use one of %(expected)s.')
                % {
                    "edge": label,
                    "node": source,
                    "type": types[source].type,
                    "handle": raw_handle,
                    "expected": expected,
                }
            )
            continue
        key = (source, target, handle)
        if key in seen_edges:
            edge_errors.append(
                _('%(edge)s: duplicates another edge from "%(source)s" to "%(target)s".')
                % {"edge": label, "source": source, "target": target}
            )
            continue
        seen_edges.add(key)
        successors[source].append(target)

    if not node_errors and not edge_errors:
        cycle = _find_cycle(list(types), successors)
        if cycle:
            edge_errors.append(_("the graph has a cycle: %(nodes)s.") % {"nodes": " → ".join(f'"{n}"' for n in cycle)})

    errors = {}
    if node_errors:
        errors["nodes"] = node_errors
    if edge_errors:
        errors["edges"] = edge_errors
    return errors


_graph_cache: dict[str, Graph] = {}


def graph_for_snapshot(snapshot: dict) -> Graph:
    """The parsed graph of an execution's snapshot, cached by the snapshot's version key."""
    key = snapshot.get("version")
    if key:
        graph = _graph_cache.get(key)
        if graph is not None:
            return graph
    graph = Graph(snapshot.get("nodes", []), snapshot.get("edges", []), validated=True)
    if key:
        if len(_graph_cache) > 1024:
            _graph_cache.clear()
        _graph_cache[key] = graph
    return graph
