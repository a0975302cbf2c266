"""Field selectors behave as k8s.io/apimachinery v0.32 ``pkg/fields`` does.

The tables come from upstream's ``selector_test.go`` expectations; the error texts were
checked against the upstream code built from the v0.32.0 tag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikube_py.selectors import (
    DEFAULT_SELECTABLE_FIELDS,
    FieldSelector,
    Operator,
    SelectorParseError,
    check_selectable_fields,
    escape_value,
    parse_field_selector,
    unescape_value,
    unsupported_field_message,
)

POD_FIELDS = frozenset(
    {
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    }
)


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("x=a,y=b,z=c", "x=a,y=b,z=c"),
        ("", ""),
        ("x!=a,y=b", "x!=a,y=b"),
        ("x=a||y\\=b", "x=a||y\\=b"),
        ("x=a\\=\\=b", "x=a\\=\\=b"),
        # "==" is an alias of "=" and prints as "="
        ("x==a", "x=a"),
        # terms are sorted by their raw text
        ("b=2,a!=1,c==3", "a!=1,b=2,c=3"),
        ("k=\\,,k2=v2", "k2=v2,k=\\,"),
        ("k=\\\\,k2=v2", "k2=v2,k=\\\\"),
        ("함=수,목=록", "목=록,함=수"),
        # empty terms, and terms with neither field nor value, are dropped
        (",a=b,", "a=b"),
        ("=", ""),
        ("!=", ""),
        ("=x", "=x"),
        ("spec.nodeName=", "spec.nodeName="),
        # no trimming: whitespace belongs to the field and the value
        (" metadata.name = foo", " metadata.name = foo"),
    ],
)
def test_parse_renders_canonical_form(text: str, rendered: str) -> None:
    assert str(parse_field_selector(text)) == rendered


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x=a||y=b", "invalid field selector: unescaped character in value: 61"),
        ("x==a==b", "invalid field selector: unescaped character in value: 61"),
        ("x!==y", "invalid field selector: unescaped character in value: 61"),
        ("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"),
        ("a,b=c", "invalid selector: 'a,b=c'; can't understand 'a'"),
        ("x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"),
        ("x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'"),
        ("x", "invalid selector: 'x'; can't understand 'x'"),
        ("k=\\", "invalid field selector: invalid escape sequence: \\"),
        ("k=\\a", "invalid field selector: invalid escape sequence: \\a"),
        ("x=a\\", "invalid field selector: invalid escape sequence: \\"),
    ],
)
def test_parse_rejects_with_upstream_message(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as caught:
        parse_field_selector(text)
    assert str(caught.value) == message


def test_deterministic_parse() -> None:
    assert parse_field_selector("x=a,a=x") == parse_field_selector("a=x,x=a")
    assert str(parse_field_selector("x=a,a=x")) == "a=x,x=a"


def test_parse_is_cached_per_string() -> None:
    assert parse_field_selector("metadata.name=a") is parse_field_selector("metadata.name=a")


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("", ""),
        ("a", "a"),
        ("=", "\\="),
        (",", "\\,"),
        ("\\", "\\\\"),
        ("\\=\\,\\", "\\\\\\=\\\\\\,\\\\"),
    ],
)
def test_escape_and_unescape(value: str, escaped: str) -> None:
    assert escape_value(value) == escaped
    assert unescape_value(escaped) == value


@pytest.mark.parametrize("escaped", ["\\", "\\\\\\", "\\a"])
def test_unescape_rejects_invalid_escape_sequences(escaped: str) -> None:
    with pytest.raises(SelectorParseError, match="invalid escape sequence"):
        unescape_value(escaped)


COMPLEX = {"foo": "bar", "baz": "blah", "complex": "=value\\,\\"}


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        ("", {"x": "y"}, True),
        ("x=y", {"x": "y"}, True),
        ("x=y,z=w", {"x": "y", "z": "w"}, True),
        ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
        ("notin=in", {"notin": "in"}, True),
        ("x=y", {"x": "z"}, False),
        ("x=y,z=w", {"x": "w", "z": "w"}, False),
        ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
        ("foo=bar", COMPLEX, True),
        ("baz=blah", COMPLEX, True),
        ("foo=bar,baz=blah", COMPLEX, True),
        ("foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\", COMPLEX, True),
        ("foo=blah", COMPLEX, False),
        ("baz=bar", COMPLEX, False),
        ("foo=bar,foobar=bar,baz=blah", COMPLEX, False),
    ],
)
def test_matches(text: str, fields: dict[str, str], expected: bool) -> None:
    assert parse_field_selector(text).matches(fields) is expected


def test_missing_field_reads_as_empty_string() -> None:
    unscheduled = parse_field_selector("spec.nodeName=")
    assert unscheduled.matches({"metadata.name": "p"})
    assert unscheduled.matches({"spec.nodeName": ""})
    assert not unscheduled.matches({"spec.nodeName": "n1"})
    scheduled = parse_field_selector("spec.nodeName!=")
    assert not scheduled.matches({})
    assert not scheduled.matches(None)
    assert scheduled.matches({"spec.nodeName": "n1"})
    assert parse_field_selector("status.phase!=Running").matches({})


def test_everything() -> None:
    for empty in (FieldSelector.everything(), parse_field_selector(""), parse_field_selector(",")):
        assert empty.empty()
        assert empty.matches({"x": "y"})
        assert empty.matches(None)
        assert str(empty) == ""
    assert not parse_field_selector("a=b").empty()


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("", "test", None),
        ("a=b", "test", None),
        ("test=b", "test", "b"),
        ("test=", "test", ""),
        ("test!=b", "test", None),
        ("a=c,test=b", "test", "b"),
    ],
)
def test_requires_exact_match(text: str, field: str, expected: str | None) -> None:
    assert parse_field_selector(text).requires_exact_match(field) == expected


def _rename_a(field: str, value: str) -> tuple[str, str]:
    return ("e", "f") if field == "a" else (field, value)


def _drop_c(field: str, value: str) -> tuple[str, str]:
    return ("", "") if field == "c" else (field, value)


def _drop_all(field: str, value: str) -> tuple[str, str]:
    return "", ""


def _identity(field: str, value: str) -> tuple[str, str]:
    return field, value


@pytest.mark.parametrize(
    ("text", "fn", "rendered", "empty"),
    [
        ("", _identity, "", True),
        ("a=b,c=d", _identity, "a=b,c=d", False),
        ("a=b,c=d", _rename_a, "e=f,c=d", False),
        ("a=b", _drop_all, "", True),
        ("a=b,c=d,e=f", _drop_c, "a=b,e=f", False),
    ],
)
def test_transform(
    text: str, fn: Callable[[str, str], tuple[str, str]], rendered: str, empty: bool
) -> None:
    result = parse_field_selector(text).transform(fn)
    assert str(result) == rendered
    assert result.empty() is empty


def test_field_names_and_requirements() -> None:
    selector = parse_field_selector("metadata.name=foo,spec.nodeName!=,status.phase==Running")
    assert selector.field_names() == {"metadata.name", "spec.nodeName", "status.phase"}
    assert [(r.field, r.operator, r.value) for r in selector.requirements] == [
        ("metadata.name", Operator.EQUALS, "foo"),
        ("spec.nodeName", Operator.NOT_EQUALS, ""),
        ("status.phase", Operator.EQUALS, "Running"),
    ]
    assert selector.requirements[1].matches({"spec.nodeName": "n1"})


# --- selectable fields -------------------------------------------------------------------------


def test_unsupported_field_message_wording() -> None:
    assert unsupported_field_message("foo") == (
        '"foo" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )
    assert unsupported_field_message('a"b\n') == (
        '"a\\"b\\n" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )
    assert unsupported_field_message("foo", POD_FIELDS) == "field label not supported: foo"


def test_check_selectable_fields_default_conversion() -> None:
    check_selectable_fields(parse_field_selector("metadata.name=a,metadata.namespace!=b"))
    with pytest.raises(SelectorParseError) as caught:
        check_selectable_fields(parse_field_selector("metadata.name=a,spec.foo=b"))
    assert str(caught.value) == (
        '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )
    assert sorted(DEFAULT_SELECTABLE_FIELDS) == ["metadata.name", "metadata.namespace"]


def test_check_selectable_fields_per_kind_names_first_term_in_selector_order() -> None:
    check_selectable_fields(
        parse_field_selector("spec.nodeName=n1,status.phase!=Failed"), POD_FIELDS
    )
    with pytest.raises(SelectorParseError) as caught:
        check_selectable_fields(parse_field_selector("zzz=1,spec.bogus=2"), POD_FIELDS)
    assert str(caught.value) == "field label not supported: spec.bogus"
    # a kind may support fewer than the defaults (Node has no metadata.namespace)
    with pytest.raises(
        SelectorParseError, match=r"^field label not supported: metadata\.namespace$"
    ):
        check_selectable_fields(
            parse_field_selector("metadata.namespace=x"), {"metadata.name", "spec.unschedulable"}
        )


# --- properties --------------------------------------------------------------------------------

FIELDS = ["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase", "a"]
values = st.text(alphabet=st.sampled_from(list("ab,=\\! é")), max_size=6)
field_maps = st.dictionaries(st.sampled_from(FIELDS), values, max_size=5)
Raw = tuple[str, str, str]


@st.composite
def terms(draw: st.DrawFn, operators: tuple[str, ...] = ("=", "!=", "==")) -> Raw:
    return draw(st.sampled_from(FIELDS)), draw(st.sampled_from(operators)), draw(values)


def render(raws: list[Raw]) -> str:
    return ",".join(f"{field}{op}{escape_value(value)}" for field, op, value in raws)


def reference_matches(raws: list[Raw], fields: Mapping[str, str]) -> bool:
    for field, op, value in raws:
        actual = fields.get(field, "")
        if (actual == value) if op in ("=", "==") else (actual != value):
            continue
        return False
    return True


@settings(database=None, max_examples=300)
@given(st.lists(terms(), max_size=5), st.lists(field_maps, min_size=1, max_size=5))
def test_matching_agrees_with_reference(raws: list[Raw], maps: list[dict[str, str]]) -> None:
    selector = parse_field_selector(render(raws))
    for fields in maps:
        assert selector.matches(fields) is reference_matches(raws, fields)


@settings(database=None, max_examples=300)
@given(st.lists(terms(("=", "!=")), max_size=5))
def test_rendering_round_trips(raws: list[Raw]) -> None:
    selector = parse_field_selector(render(raws))
    assert parse_field_selector(str(selector)) == selector
    assert sorted(str(r) for r in selector.requirements) == sorted(render([raw]) for raw in raws)


@settings(database=None, max_examples=300)
@given(st.lists(terms(), max_size=5))
def test_rendering_with_double_equals_reaches_a_fixed_point(raws: list[Raw]) -> None:
    once = parse_field_selector(str(parse_field_selector(render(raws))))
    assert parse_field_selector(str(once)) == once
    assert sorted(map(str, once.requirements)) == sorted(
        map(str, parse_field_selector(render(raws)).requirements)
    )


@settings(database=None, max_examples=300)
@given(values)
def test_escape_round_trips(value: str) -> None:
    assert unescape_value(escape_value(value)) == value


@settings(database=None, max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("ab.,=!\\ é")), max_size=12))
def test_arbitrary_text_parses_or_raises_selector_parse_error(text: str) -> None:
    try:
        selector = parse_field_selector(text)
    except SelectorParseError:
        return
    assert parse_field_selector(str(selector)).matches({}) is selector.matches({})
