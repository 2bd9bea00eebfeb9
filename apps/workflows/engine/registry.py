"""The node type registry: every node type registers itself; the engine only ever looks types up here.

Types come from three places, all alike: the built-in modules in ``apps.workflows.nodes`` (every
module of the package is imported, so a new built-in type is one new file), the modules named in
``settings.WORKFLOW_NODE_PLUGINS``, and the Python entry-point group ``salesone.workflow_nodes``
(an installed package declares ``[project.entry-points."salesone.workflow_nodes"] name = "module"``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import pkgutil
import threading
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jsonschema import Draft202012Validator

if TYPE_CHECKING:
    from apps.workflows.nodes.base import Node

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "salesone.workflow_nodes"
BUILTIN_PACKAGE = "apps.workflows.nodes"


class NodeRegistry:
    def __init__(self) -> None:
        self._types: dict[str, type[Node]] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        self._loaded = False
        self._lock = threading.Lock()

    def register(self, cls: type[Node]) -> type[Node]:
        """Class decorator: ``@register_node`` on a Node subclass."""
        type_name = getattr(cls, "type", "")
        if not type_name:
            raise ImproperlyConfigured(f"{cls.__module__}.{cls.__name__} has no `type`.")
        existing = self._types.get(type_name)
        if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
            raise ImproperlyConfigured(
                f"Node type {type_name!r} is registered twice: {existing.__module__} and {cls.__module__}."
            )
        schema = cls.full_schema()
        Draft202012Validator.check_schema(schema)
        self._types[type_name] = cls
        self._validators[type_name] = Draft202012Validator(schema)
        return cls

    def ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            package = importlib.import_module(BUILTIN_PACKAGE)
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
                importlib.import_module(f"{BUILTIN_PACKAGE}.{info.name}")
            for module in getattr(settings, "WORKFLOW_NODE_PLUGINS", []):
                importlib.import_module(module)
            for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                try:
                    entry_point.load()
                except Exception:  # one broken plugin must not take the engine down
                    logger.exception("workflow node plugin %s failed to load", entry_point.value)
            self._loaded = True

    def get(self, type_name: str) -> type[Node] | None:
        self.ensure_loaded()
        return self._types.get(type_name)

    def validator(self, type_name: str) -> Draft202012Validator:
        self.ensure_loaded()
        return self._validators[type_name]

    def all(self) -> list[type[Node]]:
        self.ensure_loaded()
        return sorted(self._types.values(), key=lambda cls: (cls.category, cls.type))

    def unregister(self, type_name: str) -> None:
        """For tests that register a throwaway type."""
        self._types.pop(type_name, None)
        self._validators.pop(type_name, None)


registry = NodeRegistry()
register_node = registry.register
