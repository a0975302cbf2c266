"""A compiled copier returns equal, independent copies of JSON data, and nothing else."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from apiserver.endpoints.copier import compile_copier

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


def _containers(value: Any) -> list[Any]:
    found = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            found.append(item)
            stack.extend(item)
    return found


@given(_json)
def test_copies_equal_the_value_keep_key_order_and_share_no_container(value: Any) -> None:
    value = msgspec.json.decode(msgspec.json.encode(value))  # as the memo holds it
    copy = compile_copier(value)
    assert copy is not None
    first, second = copy(), copy()
    assert first == value and second == value
    assert msgspec.json.encode(first) == msgspec.json.encode(value)  # same order, same types
    mine = {id(c) for c in _containers(first)}
    assert mine.isdisjoint(id(c) for c in _containers(second))
    assert mine.isdisjoint(id(c) for c in _containers(value))


def test_strings_that_look_like_code_stay_strings() -> None:
    value = {"x": "__import__('os').system('false')", "y": ["')\n]", '"}"', "\\", "\ud800"]}
    copy = compile_copier(value)
    assert copy is not None
    assert copy() == value


def test_what_is_not_json_data_is_refused() -> None:
    class Shady:
        def __repr__(self) -> str:
            return "__import__('os')"

    assert compile_copier({"a": Shady()}) is None
    assert compile_copier({"a": {1, 2}}) is None
    assert compile_copier({"a": (1, 2)}) is None
    assert compile_copier(float("nan")) is None
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    assert compile_copier(deep) is None
