"""What kind of plan PostgreSQL chose for a query, read from ``EXPLAIN (FORMAT JSON)``.

The search bench prints one short kind per query class (``index walk salesone_search_revenue``,
``bitmap salesone_search_vector + top-N sort``) and refuses a plan that reads a whole table
sequentially: on a million companies that is the fallback path the indexes exist to avoid.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

_SCANS = {
    "Index Scan": "index walk",
    "Index Only Scan": "index-only walk",
    "Bitmap Index Scan": "bitmap",
    "Seq Scan": "SEQ SCAN",
}


def plan_nodes(plan: dict) -> Iterator[dict]:
    """Every node of a plan tree (the ``Plan`` of an EXPLAIN JSON answer), parents first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def _root(explain) -> dict:
    if isinstance(explain, str):
        explain = json.loads(explain)
    if isinstance(explain, list):
        explain = explain[0]
    return explain.get("Plan", explain)


def sequential_scans(explain, table: str) -> list[dict]:
    """The nodes of ``explain`` that read ``table`` sequentially (a parallel scan included)."""
    return [
        node
        for node in plan_nodes(_root(explain))
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table
    ]


def sort_input_rows(node: dict) -> int:
    """How many rows a Sort node sorts: its input's actual rows under EXPLAIN ANALYZE, else the
    planner's estimate."""
    child = node.get("Plans", [node])[0]
    return int(child.get("Actual Rows", child.get("Plan Rows", 0)))


def largest_sort(explain) -> int:
    """The most rows any Sort node of ``explain`` sorts (0 without one)."""
    sorts = [sort_input_rows(n) for n in plan_nodes(_root(explain)) if n["Node Type"] in ("Sort", "Incremental Sort")]
    return max(sorts, default=0)


def plan_kind(explain, table: str) -> str:
    """A short description of how ``table`` is read and whether its rows are sorted: the access
    paths (index names), then ``sort of N rows`` when a Sort node orders them (N: actual rows
    under EXPLAIN ANALYZE)."""
    root = _root(explain)
    access: list[str] = []
    sort = ""
    for node in plan_nodes(root):
        kind = node["Node Type"]
        if kind in _SCANS:
            relation = node.get("Relation Name")
            index = node.get("Index Name")
            if kind == "Bitmap Index Scan" or relation == table:
                label = f"{_SCANS[kind]} {index or relation}"
                if label not in access:
                    access.append(label)
        elif kind in ("Sort", "Incremental Sort") and not sort:
            sorted_rows = sort_input_rows(node)
            top_n = node.get("Sort Method", "").startswith("top-N")
            sort = f"{'top-N ' if top_n else ''}sort of {sorted_rows:,} rows"
    return " + ".join(access + ([sort] if sort else [])) or root["Node Type"].lower()
