"""YAML from outside (`privacy apply`, the console's consent set-up): the one way the toolkit reads
it. Refused, before anything is built from it, when the text is too large, nests too deep, or its
anchors and aliases expand past a small budget: a 1 KB file of nested aliases would otherwise
stand for billions of values."""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from privacy.errors import Invalid
from privacy.settings import Settings

DEFAULT_MAX_BYTES: int = Settings.model_fields["max_yaml_bytes"].default
# The configuration file is about eight levels deep; deeper nesting only costs.
MAX_DEPTH = 32
# Values that aliases may add to those written out: plenty for sharing a block of texts or
# cookies between sites and languages, far too few for a bomb.
MAX_ALIAS_VALUES = 10_000


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing to compose a document nested deeper than MAX_DEPTH (the composer
    recurses once per level)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:  # the values inside the deepest collection are a level
                raise Invalid(f"the YAML is nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# YAML 1.2's booleans (its core schema): only true and false. YAML 1.1, PyYAML's default, also reads
# yes, no, on and off as booleans, so Norway's code `NO` became `false`.
BOOLEAN = "tag:yaml.org,2002:bool"
_BoundedLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != BOOLEAN]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_implicit_resolver(BOOLEAN, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load_yaml(text: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The document in `text` (None when empty), or `Invalid` saying what is wrong with it."""
    if len(text) > max_bytes or len(text.encode()) > max_bytes:
        raise Invalid(f"the YAML is larger than {max_bytes} bytes (PRIVACY_MAX_YAML_BYTES)")
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, max_bytes=max_bytes)
        _check_split_names(node)
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        raise Invalid(f"not valid YAML: {_what_is_wrong(error)}") from error
    finally:
        loader.dispose()


def _what_is_wrong(error: yaml.YAMLError) -> str:
    """The parser's problem where a person can find it: what is wrong, and where the construct it
    was reading starts (an unclosed quote is reported at the end of the file, not where it opens)."""
    problem = getattr(error, "problem", None) or "it cannot be read"
    mark, context, start = (getattr(error, name, None) for name in ("problem_mark", "context", "context_mark"))
    if "'\\t'" in problem and mark:
        return f"a tab at {_place(mark)}: YAML indents with spaces"
    if context == "while scanning a quoted scalar" and start:
        return f"the quoted value opened at {_place(start)} is not closed"
    text = f"{problem} at {_place(mark)}" if mark else problem
    return f"{text} ({context.removeprefix('while ')} that starts at {_place(start)})" if context and start else text


def _place(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


# The end of a company's name, alone as an item of a `[...]` list: "[Stripe, Inc., PayPal]" is three
# items to YAML, where the author meant two.
# (No two capitals alone: AG, SE, SA or BV are also countries' codes.)
NAME_ENDINGS = re.compile(r"^(Inc|Ltd|LLC|LLP|GmbH|S\.A|SARL|B\.V|N\.V|plc|Co|Corp)\.?$")


def _check_split_names(root: Node) -> None:
    """Refuse an unquoted `[...]` list item that is only the end of a name split by its comma."""
    pending, seen = [root], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode) and node.flow_style:
            for item in node.value[1:]:  # a name's ending follows the name
                if isinstance(item, ScalarNode) and item.style is None and NAME_ENDINGS.match(item.value):
                    raise Invalid(
                        f"not valid YAML: at {_place(item.start_mark)}, '{item.value}' looks like the end of a "
                        "name split by its comma: put the whole name in quotes"
                    )
        pending.extend(_children(node))


def _check_expansion(root: Node, *, max_bytes: int) -> None:
    """Measure the document as it would be with every alias expanded (values, characters, depth),
    visiting each node once: the cost is that of the text, whatever the aliases multiply."""
    measured: dict[int, tuple[int, int, int]] = {}  # id(node) -> (values, characters, depth)
    open_nodes: set[int] = set()
    pending: list[tuple[Node, bool]] = [(root, False)]
    while pending:
        node, children_measured = pending.pop()
        if children_measured:
            measured[id(node)] = _measure(node, measured)
            open_nodes.discard(id(node))
            continue
        if id(node) in measured:
            continue
        if id(node) in open_nodes:
            raise Invalid("the YAML has an alias inside the value it refers to")
        open_nodes.add(id(node))
        pending.append((node, True))
        pending.extend((child, False) for child in _children(node) if id(child) not in measured)
    values, characters, depth = measured[id(root)]
    if values - len(measured) > MAX_ALIAS_VALUES:
        raise Invalid(f"the YAML's aliases expand to more than {MAX_ALIAS_VALUES} values beyond those written")
    if characters > max_bytes:
        raise Invalid(f"the YAML, its aliases expanded, is larger than {max_bytes} bytes (PRIVACY_MAX_YAML_BYTES)")
    if depth > MAX_DEPTH:
        raise Invalid(f"the YAML, its aliases expanded, is nested deeper than {MAX_DEPTH} levels")


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _measure(node: Node, measured: dict[int, tuple[int, int, int]]) -> tuple[int, int, int]:
    if isinstance(node, ScalarNode):
        return 1, len(node.value) + 1, 0
    children = [measured[id(child)] for child in _children(node)]
    return (
        1 + sum(values for values, _, _ in children),
        2 + sum(characters for _, characters, _ in children),
        1 + max((depth for _, _, depth in children), default=0),
    )
