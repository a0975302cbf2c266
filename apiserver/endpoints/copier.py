"""A JSON value compiled into a function that returns a fresh copy of it on each call.

The create memo (:mod:`apiserver.endpoints.creatememo`) hands every create of a repeated body a
private copy of the same object. Decoding its JSON each time (msgspec, in C) spends most of its
time making the strings again; a Python function whose body is the value written as a literal
makes only the containers -- ``BUILD_MAP``/``BUILD_LIST`` run afresh on every call, so no dict or
list is ever shared between two copies -- and shares the strings and numbers, which are
immutable. For a Pod of about 2 KB that is 3.8 µs against 7.4 µs to decode.

The function is made from the value's ``repr``, which for what a JSON decoder produces (dict,
list, str, int, float, bool, None) is a Python literal of an equal value with the same key
order. The parsed source is checked to hold nothing but literal nodes before it is compiled,
so whatever the strings say, no name is looked up and nothing is called. Compiling costs about
a millisecond, so callers compile only values they have seen repeat.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, Final

_LITERAL_NODES: Final = (
    ast.Expression,
    ast.Dict,
    ast.List,
    ast.Constant,
    ast.UnaryOp,  # a negative number
    ast.USub,
    ast.Load,
)


def compile_copier(value: Any) -> Callable[[], Any] | None:
    """A function returning a new copy of ``value`` (JSON data as decoded) per call, or None
    when ``value`` cannot be written as a literal (not JSON data, or nested too deeply)."""
    try:
        tree = ast.parse(repr(value), mode="eval")
        if not all(isinstance(node, _LITERAL_NODES) for node in ast.walk(tree)):
            return None
        builder = ast.Expression(
            body=ast.Lambda(
                args=ast.arguments(
                    posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]
                ),
                body=tree.body,
            )
        )
        code = compile(ast.fix_missing_locations(builder), "<json copier>", "eval")
        # the tree holds literals only (checked above): evaluating it defines the function
        copier: Callable[[], Any] = eval(code, {"__builtins__": {}})
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return copier if copier() == value else None


__all__ = ["compile_copier"]
