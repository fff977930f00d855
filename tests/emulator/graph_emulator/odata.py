"""A small OData $filter parser and evaluator: the part of the grammar directory queries use."""

import re
from datetime import datetime

from .messages import GraphError, parse_datetime

TOKEN_RE = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<datetime>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)"
    r"|(?P<number>-?\d+(?:\.\d+)?)|(?P<punct>[(),/:])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
# What Graph counts as an advanced query: allowed only with ConsistencyLevel: eventual and $count=true.
ADVANCED_FUNCTIONS = ("endswith",)
ADVANCED_OPERATORS = ("ne", "not")


def unsupported(message="Invalid filter clause"):
    return GraphError(400, "Request_UnsupportedQuery", message)


def bad_filter(detail):
    return GraphError(400, "BadRequest", f"Invalid filter clause: {detail}")


def tokenize(text):
    tokens = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise bad_filter(f"syntax error at position {pos} in '{text}'.")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = value[1:-1].replace("''", "'")
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class Filter:
    """A parsed $filter: evaluate(obj) tells whether an object matches; advanced says whether it needs
    advanced query parameters."""

    def __init__(self, text):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.advanced = False
        self.tree = self._or()
        if self.pos != len(self.tokens):
            raise bad_filter(f"syntax error at position {self.pos} in '{text}'.")

    # -- parsing ------------------------------------------------------------------------------

    def _peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else (None, None)

    def _take(self, kind=None, value=None):
        token = self._peek()
        if token[0] is None or (kind and token[0] != kind) or (value and str(token[1]).lower() != value):
            raise bad_filter(f"syntax error at position {self.pos} in '{self.text}'.")
        self.pos += 1
        return token

    def _or(self):
        node = self._and()
        while self._peek()[0] == "word" and self._peek()[1].lower() == "or":
            self._take()
            node = ("or", node, self._and())
        return node

    def _and(self):
        node = self._unary()
        while self._peek()[0] == "word" and self._peek()[1].lower() == "and":
            self._take()
            node = ("and", node, self._unary())
        return node

    def _unary(self):
        if self._peek()[0] == "word" and self._peek()[1].lower() == "not":
            self._take()
            self.advanced = True
            return ("not", self._unary())
        return self._primary()

    def _primary(self):
        kind, value = self._peek()
        if (kind, value) == ("punct", "("):
            self._take()
            node = self._or()
            self._take("punct", ")")
            return node
        if kind == "word" and self._peek(1) == ("punct", "(") and value.lower() in ("startswith", "endswith"):
            self._take()
            self._take("punct", "(")
            prop = self._take("word")[1]
            self._take("punct", ",")
            literal = self._literal()
            self._take("punct", ")")
            if value.lower() in ADVANCED_FUNCTIONS:
                self.advanced = True
            return (value.lower(), prop, literal)
        if kind == "word":
            prop = self._take("word")[1]
            if self._peek() == ("punct", "/"):
                return self._any(prop)
            op = self._take("word")[1].lower()
            if op == "in":
                return ("in", prop, self._list())
            if op not in COMPARISONS:
                raise bad_filter(f"unknown operator '{op}'.")
            if op in ADVANCED_OPERATORS:
                self.advanced = True
            return (op, prop, self._literal())
        raise bad_filter(f"syntax error at position {self.pos} in '{self.text}'.")

    def _any(self, prop):
        self._take("punct", "/")
        self._take("word", "any")
        self._take("punct", "(")
        var = self._take("word")[1]
        self._take("punct", ":")
        self._take("word", var.lower())
        self._take("word", "eq")
        literal = self._literal()
        self._take("punct", ")")
        return ("any", prop, literal)

    def _list(self):
        self._take("punct", "(")
        values = [self._literal()]
        while self._peek() == ("punct", ","):
            self._take()
            values.append(self._literal())
        self._take("punct", ")")
        return values

    def _literal(self):
        kind, value = self._take()
        if kind == "string":
            return value
        if kind == "datetime":
            return parse_datetime(value)
        if kind == "number":
            return float(value)
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "word" and value.lower() == "null":
            return None
        raise bad_filter(f"expected a literal, got '{value}'.")

    # -- evaluation ---------------------------------------------------------------------------

    def matches(self, obj):
        return self._eval(self.tree, obj)

    def _eval(self, node, obj):
        op = node[0]
        if op == "and":
            return self._eval(node[1], obj) and self._eval(node[2], obj)
        if op == "or":
            return self._eval(node[1], obj) or self._eval(node[2], obj)
        if op == "not":
            return not self._eval(node[1], obj)
        value = _value(obj, node[1])
        if op == "startswith":
            return isinstance(value, str) and value.lower().startswith(str(node[2]).lower())
        if op == "endswith":
            return isinstance(value, str) and value.lower().endswith(str(node[2]).lower())
        if op == "any":
            return isinstance(value, list) and any(_equal(v, node[2]) for v in value)
        if op == "in":
            return any(_equal(value, v) for v in node[2])
        return _compare(op, value, node[2])


def _value(obj, prop):
    for key, value in obj.items():
        if key.lower() == prop.lower():
            if isinstance(value, str) and key.lower().endswith("datetime"):
                return parse_datetime(value)
            return value
    if prop.lower() in ("id", "displayname", "deleteddatetime"):
        return None
    raise bad_filter(f"Could not find a property named '{prop}' on type 'microsoft.graph.directoryObject'.")


def _equal(left, right):
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return left == right


def _compare(op, left, right):
    if op == "eq":
        return _equal(left, right)
    if op == "ne":
        return not _equal(left, right)
    if left is None or right is None:
        return False
    if isinstance(right, datetime) and not isinstance(left, datetime):
        return False
    if isinstance(left, str) and isinstance(right, str):
        left, right = left.lower(), right.lower()
    try:
        return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[op]
    except TypeError:
        return False
