"""Built-in node types, one module per type (or per small family); every module here is imported by
the registry, so adding a node type is adding a file with a ``@register_node`` class."""
