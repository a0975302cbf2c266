"""Label selectors behave as k8s.io/apimachinery v0.32 ``pkg/labels`` and ``metav1`` do.

The tables come from upstream's ``selector_test.go`` / ``helpers_test.go`` expectations; the
error texts were checked against the upstream code built from the v0.32.0 tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikube_py.selectors import (
    FieldError,
    FieldErrorType,
    LabelSelector,
    Operator,
    Requirement,
    SelectorParseError,
    from_label_selector,
    is_qualified_name,
    is_valid_label_value,
    new_requirement,
    parse_label_selector,
    selector_from_set,
    validate_label_selector,
    validate_labels,
)

NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
QUALIFIED_MSG = (
    f"a qualified name {NAME_MSG} with an optional DNS subdomain prefix and '/' "
    "(e.g. 'example.com/MyName')"
)
BINARY_OPS = "in, notin, =, ==, !=, gt, lt"
EMPTY_IN = "for 'in', 'notin' operators, values set can't be empty"
NOT_INT = "for 'Gt', 'Lt' operators, the value must be an integer"


# --- parsing and rendering ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        # TestSelectorParse: restring equals the input without spaces
        ("x=a,y=b,z=c", "x=a,y=b,z=c"),
        ("", ""),
        ("x!=a,y=b", "x!=a,y=b"),
        ("x=", "x="),
        ("x= ", "x="),
        ("x=,z= ", "x=,z="),
        ("x= ,z= ", "x=,z="),
        ("!x", "!x"),
        ("x>1", "x>1"),
        ("x>1,z<5", "x>1,z<5"),
        # TestSetSelectorParser valid inputs
        ("\rx", "x"),
        ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
        ),
        ("foo  in\t (abc)", "foo in (abc)"),
        ("x notin\n (abc)", "x notin (abc)"),
        ("x  notin\t\t\t(abc,def)", "x notin (abc,def)"),
        ("x in (abc,def)", "x in (abc,def)"),
        ("x in (abc,)", "x in (,abc)"),
        ("x in ()", "x in ()"),
        ("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"),
        ("x,y in (a)", "x,y in (a)"),
        ("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"),
        ("x notin ( )", "x notin ()"),
        ("x notin (, a)", "x notin (,a)"),
        ("a ", "a"),
        ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
        # keywords are identifiers wherever a key or value is expected
        ("notin=in", "notin=in"),
        ("in in (in)", "in in (in)"),
        # "==" is kept as written; values are sorted and de-duplicated
        ("y==b,x=a", "x=a,y==b"),
        ("x in (b,a,b)", "x in (a,b)"),
        # v0.32 consumes a doubled comma as one step: these parse, "(a,,)" does not
        ("x in (a,,,)", "x in (,a)"),
        ("x in (,)", "x in ()"),
        ("x notin (,,a)", "x notin (,a)"),
        # the lexer reads NUL as end of input at a token start
        ("x,\0y", "x,y"),
    ],
)
def test_parse_renders_canonical_form(text: str, rendered: str) -> None:
    assert str(parse_label_selector(text)) == rendered


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x=a||y=b",
            f'unable to parse requirement: values[0][x]: Invalid value: "a||y": {VALUE_MSG}',
        ),
        ("x==a==b", "found '==', expected: ',' or 'end of string'"),
        ("!x=a", "found '=', expected: ',' or 'end of string'"),
        (
            "x<a",
            'unable to parse requirement: values[0]: Invalid value: "a": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        ("x,,y", "found ',', expected: identifier after ','"),
        (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
        ("x nott in (y)", f"unable to parse requirement: found 'nott', expected: {BINARY_OPS}"),
        ("a in (xyz),", "found '', expected: identifier after ','"),
        ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
        ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
        ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
        ("a (", f"unable to parse requirement: found '(', expected: {BINARY_OPS}"),
        ("(", "found '(', expected: !, identifier, or 'end of string'"),
        (")", "found ')', expected: !, identifier, or 'end of string'"),
        ("x in (a,,)", "unable to parse requirement: found ')', expected: ',', or identifier"),
        ("x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        ("x in a", "unable to parse requirement: found 'a' expected: '('"),
        ("x=(", "unable to parse requirement: found '(', expected: identifier"),
        ("x<=5", "unable to parse requirement: found '=', expected: identifier"),
        ("x=a=b", "found '=', expected: ',' or 'end of string'"),
        ("x=a b", "found 'b', expected: ',' or 'end of string'"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("!!x", "unable to parse requirement: found '!', expected: identifier"),
        ("x!", f"unable to parse requirement: found '!', expected: {BINARY_OPS}"),
        ("x\0y", f"unable to parse requirement: found 'y', expected: {BINARY_OPS}"),
        (
            "x>",
            'unable to parse requirement: values[0]: Invalid value: "": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "x>99999999999999999999",
            'unable to parse requirement: values[0]: Invalid value: "99999999999999999999": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        ("x>-1", f'unable to parse requirement: values[0][x]: Invalid value: "-1": {VALUE_MSG}'),
        (
            "x=" + "a" * 64,
            f'unable to parse requirement: values[0][x]: Invalid value: "{"a" * 64}": '
            "must be no more than 63 characters",
        ),
        # a bad key is validated against upstream's nil path, printed "<nil>"
        (
            "a/b/c ?=? def",
            f'unable to parse requirement: <nil>: Invalid value: "a/b/c": {QUALIFIED_MSG}',
        ),
        (
            "app:monolith",
            'unable to parse requirement: <nil>: Invalid value: "app:monolith": '
            f"name part {NAME_MSG}",
        ),
        (
            "/a",
            'unable to parse requirement: <nil>: Invalid value: "/a": '
            "prefix part must be non-empty",
        ),
        (
            "a/",
            'unable to parse requirement: <nil>: Invalid value: "a/": '
            f"name part must be non-empty; name part {NAME_MSG}",
        ),
        (
            "Example.com/a",
            'unable to parse requirement: <nil>: Invalid value: "Example.com/a": '
            f"prefix part {SUBDOMAIN_MSG}",
        ),
        (
            "a" * 64,
            f'unable to parse requirement: <nil>: Invalid value: "{"a" * 64}": '
            "name part must be no more than 63 characters",
        ),
    ],
)
def test_parse_rejects_with_upstream_message(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as caught:
        parse_label_selector(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_parse_error_keeps_field_causes() -> None:
    with pytest.raises(SelectorParseError) as caught:
        parse_label_selector("x=a b c")
    assert caught.value.causes == ()
    with pytest.raises(SelectorParseError) as caught:
        parse_label_selector("x in (a||b)")
    assert caught.value.causes == (
        FieldError("values[0][x]", FieldErrorType.INVALID, f'Invalid value: "a||b": {VALUE_MSG}'),
    )


def test_deterministic_parse() -> None:
    assert str(parse_label_selector("x=a,a=x")) == str(parse_label_selector("a=x,x=a"))
    assert parse_label_selector("x=a,a=x") == parse_label_selector("a=x,x=a")


def test_parse_is_cached_per_string() -> None:
    assert parse_label_selector("app=web,tier!=db") is parse_label_selector("app=web,tier!=db")


# --- matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("", {"x": "y"}, True),
        ("x=y", {"x": "y"}, True),
        ("x=y,z=w", {"x": "y", "z": "w"}, True),
        ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
        ("notin=in", {"notin": "in"}, True),
        ("x", {"x": "z"}, True),
        ("!x", {"y": "z"}, True),
        ("x>1", {"x": "2"}, True),
        ("x<1", {"x": "0"}, True),
        ("x=z", {}, False),
        ("x=y", {"x": "z"}, False),
        ("x=y,z=w", {"x": "w", "z": "w"}, False),
        ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
        ("x", {"y": "z"}, False),
        ("!x", {"x": "z"}, False),
        ("x>1", {"x": "0"}, False),
        ("x<1", {"x": "2"}, False),
        ("foo=bar", {"foo": "bar", "baz": "blah"}, True),
        ("baz=blah", {"foo": "bar", "baz": "blah"}, True),
        ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
        ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
        ("baz=bar", {"foo": "bar", "baz": "blah"}, False),
        ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
        # TestRequirementSelectorMatching
        ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
        ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
        ("x notin (),y", {"y": ""}, True),
        ("!x,y", {"y": ""}, True),
        ("x notin (),!y", {"y": ""}, False),
        ("x in ()", {"y": "baz"}, False),
        ("z>1", {"z": "2"}, True),
        ("z>1", {"z": "v2"}, False),
        # the label value is read as a Go int64: sign allowed, no other digits or overflow
        ("z>1", {"z": "+5"}, True),
        ("z<1", {"z": "-5"}, True),
        ("z>1", {"z": "\u0663"}, False),
        ("z>1", {"z": "99999999999999999999"}, False),
        ("z>1", {"z": "1_0"}, False),
        ("z>007", {"z": "8"}, True),
    ],
)
def test_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


@pytest.mark.parametrize("text", ["env!=prod", "env notin (prod,staging)", "!env"])
def test_negative_operators_match_when_key_is_absent(text: str) -> None:
    selector = parse_label_selector(text)
    assert selector.matches({"app": "web"})
    assert selector.matches({})
    assert selector.matches(None)
    assert not selector.matches({"env": "prod"})


@pytest.mark.parametrize("text", ["env=prod", "env in (prod,staging)", "env", "env>1", "env<1"])
def test_positive_operators_never_match_an_absent_key(text: str) -> None:
    assert not parse_label_selector(text).matches({"app": "web"})


def test_empty_selector_matches_everything_and_nothing_matches_nothing() -> None:
    for empty in (
        parse_label_selector(""),
        parse_label_selector(" \t"),
        LabelSelector.everything(),
    ):
        assert empty.empty()
        assert empty.matches({"x": "y"})
        assert empty.matches({})
        assert str(empty) == ""
    nothing = LabelSelector.nothing()
    assert not nothing.empty()
    assert nothing.matches_nothing()
    assert not nothing.matches({})
    assert not nothing.matches({"x": "y"})
    assert str(nothing) == ""
    assert nothing.add(new_requirement("a", Operator.EXISTS, [])) is nothing


def test_selector_from_set() -> None:
    assert selector_from_set(None).empty()
    assert selector_from_set({}).empty()
    selector = selector_from_set({"app": "foo", "a": "b"})
    assert str(selector) == "a=b,app=foo"
    assert selector.matches({"app": "foo", "a": "b", "extra": "label"})
    assert not selector.matches({"app": "foo"})


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("key in (value)", "key", "value"),
        ("key in (value,value2)", "key", None),
        ("key in (value,value1),key2 in (value2)", "key2", "value2"),
        ("key=value", "key", "value"),
        ("key==value", "key", "value"),
        ("key!=value", "key", None),
        ("key in (value),key2 in (value2)", "key", "value"),
        ("key", "key", None),
        ("other=value", "key", None),
    ],
)
def test_requires_exact_match(text: str, key: str, expected: str | None) -> None:
    assert parse_label_selector(text).requires_exact_match(key) == expected


# --- requirements ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "operator", "values", "message"),
    [
        (
            "x1",
            "in",
            None,
            f"values: Invalid value: []string(nil): {EMPTY_IN}",
        ),
        (
            "x2",
            "notin",
            [],
            f"values: Invalid value: []string{{}}: {EMPTY_IN}",
        ),
        (
            "x5",
            "=",
            ["bar", "foo"],
            'values: Invalid value: []string{"bar", "foo"}: '
            "exact-match compatibility requires one single value",
        ),
        (
            "x8",
            "exists",
            ["foo"],
            'values: Invalid value: []string{"foo"}: '
            "values set must be empty for exists and does not exist",
        ),
        (
            "x13",
            "gt",
            [],
            "values: Invalid value: []string{}: "
            "for 'Gt', 'Lt' operators, exactly one value is required",
        ),
        (
            "x14",
            "gt",
            ["bar"],
            f'values[0]: Invalid value: "bar": {NOT_INT}',
        ),
        (
            "x15",
            "lt",
            ["bar"],
            f'values[0]: Invalid value: "bar": {NOT_INT}',
        ),
        (
            "a" * 254,
            "exists",
            [],
            f'key: Invalid value: "{"a" * 254}": name part must be no more than 63 characters',
        ),
        (
            "x16",
            "=",
            ["a" * 254],
            f'values[0][x16]: Invalid value: "{"a" * 254}": must be no more than 63 characters',
        ),
        ("x17", "=", ["a b"], f'values[0][x17]: Invalid value: "a b": {VALUE_MSG}'),
        (
            "x18",
            "unsupportedOp",
            [],
            'operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", '
            '"==", "!=", "gt", "lt", "exists", "!"',
        ),
        (
            "x" * 254 + "/a",
            "exists",
            [],
            f'key: Invalid value: "{"x" * 254}/a": prefix part must be no more than 253 characters',
        ),
        # several errors are aggregated in brackets
        (
            "x",
            "gt",
            ["-"],
            "[values[0]: Invalid value: \"-\": for 'Gt', 'Lt' operators, the value must be an "
            f'integer, values[0][x]: Invalid value: "-": {VALUE_MSG}]',
        ),
        # values are shown the way Go's %q shows them
        ("k", "=", ['\u00a0\x01\u200b\U0001f600\t"'], None),
    ],
)
def test_new_requirement_errors(
    key: str, operator: str, values: list[str] | None, message: str | None
) -> None:
    if message is None:
        message = f'values[0][k]: Invalid value: "\\u00a0\\x01\\u200b\U0001f600\\t\\"": {VALUE_MSG}'
    with pytest.raises(SelectorParseError) as caught:
        new_requirement(key, operator, values)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("requirements", "rendered"),
    [
        (
            [("x", "in", ["abc", "def"]), ("y", "notin", ["jkl"]), ("z", "exists", [])],
            "x in (abc,def),y notin (jkl),z",
        ),
        (
            [("x", "notin", ["abc", "def"]), ("y", "!=", ["jkl"]), ("z", "!", [])],
            "x notin (abc,def),y!=jkl,!z",
        ),
        (
            [("x", "notin", ["abc"]), ("y", "in", ["jkl", "mno"]), ("z", "notin", [""])],
            "x notin (abc),y in (jkl,mno),z notin ()",
        ),
        (
            [("x", "=", ["abc"]), ("y", "==", ["jkl"]), ("z", "!=", ["a"]), ("z", "exists", [])],
            "x=abc,y==jkl,z!=a,z",
        ),
        ([("x", "gt", ["2"]), ("y", "lt", ["8"]), ("z", "exists", [])], "x>2,y<8,z"),
        # values print sorted without being de-duplicated or reordered in memory
        ([("x", "in", ["b", "a", "b"])], "x in (a,b,b)"),
    ],
)
def test_requirement_rendering(
    requirements: list[tuple[str, str, list[str]]], rendered: str
) -> None:
    selector = LabelSelector(new_requirement(k, op, vals) for k, op, vals in requirements)
    assert str(selector) == rendered


def test_add_keeps_requirements_sorted_by_key() -> None:
    base = LabelSelector([new_requirement("key", Operator.IN, ["value"])])
    added = base.add(new_requirement("a", Operator.EQUALS, ["value2"]))
    assert [r.key for r in added.requirements] == ["a", "key"]
    assert str(base) == "key in (value)"


def test_requirement_matches_on_its_own() -> None:
    requirement = new_requirement("env", Operator.NOT_IN, ["prod"])
    assert requirement.matches({})
    assert requirement.matches(None)
    assert not requirement.matches({"env": "prod"})
    assert str(requirement) == "env notin (prod)"


# --- label syntax ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "messages"),
    [
        ("app", []),
        ("example.com/MyName", []),
        ("a" * 63, []),
        ("a" * 64, ["name part must be no more than 63 characters"]),
        ("", ["name part must be non-empty", f"name part {NAME_MSG}"]),
        ("/a", ["prefix part must be non-empty"]),
        ("a/b/c", [QUALIFIED_MSG]),
        ("-a", [f"name part {NAME_MSG}"]),
        ("Example.com/a", [f"prefix part {SUBDOMAIN_MSG}"]),
        # Go counts bytes: 32 two-byte characters are 64 bytes
        ("\u00e9" * 32, ["name part must be no more than 63 characters", f"name part {NAME_MSG}"]),
    ],
)
def test_is_qualified_name(key: str, messages: list[str]) -> None:
    assert is_qualified_name(key) == messages


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        ("", []),
        ("MyValue", []),
        ("a" * 63, []),
        ("a" * 64, ["must be no more than 63 characters"]),
        ("a b", [VALUE_MSG]),
        ("a\n", [VALUE_MSG]),  # Go's "$" does not match before a trailing newline
        ("-a", [VALUE_MSG]),
    ],
)
def test_is_valid_label_value(value: str, messages: list[str]) -> None:
    assert is_valid_label_value(value) == messages


# --- metav1.LabelSelector ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "rendered"),
    [
        ({"matchLabels": {"foo": "bar"}}, "foo=bar"),
        (
            {"matchExpressions": [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]},
            "baz in (norf,qux)",
        ),
        (
            {
                "matchLabels": {"foo": "bar"},
                "matchExpressions": [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}],
            },
            "baz in (norf,qux),foo=bar",
        ),
        (
            {
                "matchExpressions": [
                    {"key": "tier", "operator": "NotIn", "values": ["db"]},
                    {"key": "canary", "operator": "DoesNotExist"},
                    {"key": "app", "operator": "Exists", "values": []},
                ]
            },
            "app,!canary,tier notin (db)",
        ),
    ],
)
def test_from_label_selector(selector: dict[str, object], rendered: str) -> None:
    assert str(from_label_selector(selector)) == rendered


def test_null_label_selector_matches_nothing_and_empty_matches_everything() -> None:
    null = from_label_selector(None)
    assert null.matches_nothing()
    assert not null.matches({})
    assert not null.matches({"app": "web"})
    for empty in ({}, {"matchLabels": {}, "matchExpressions": []}, {"matchLabels": None}):
        selector = from_label_selector(empty)
        assert selector.empty()
        assert selector.matches({})
        assert selector.matches({"app": "web"})


def test_from_label_selector_matches_like_its_string_form() -> None:
    selector = from_label_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}],
        }
    )
    assert selector == parse_label_selector("app=web,env notin (prod)")
    assert selector.matches({"app": "web"})
    assert selector.matches({"app": "web", "env": "dev"})
    assert not selector.matches({"app": "web", "env": "prod"})
    assert not selector.matches({"env": "dev"})


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            {"matchExpressions": [{"key": "baz", "operator": "Exists", "values": ["qux", "norf"]}]},
            'values: Invalid value: []string{"qux", "norf"}: '
            "values set must be empty for exists and does not exist",
        ),
        (
            {"matchExpressions": [{"key": "baz", "operator": "In", "values": []}]},
            f"values: Invalid value: []string(nil): {EMPTY_IN}",
        ),
        (
            {"matchExpressions": [{"key": "baz", "operator": "Gt", "values": ["1"]}]},
            '"Gt" is not a valid label selector operator',
        ),
        ({"matchExpressions": [{"key": "baz"}]}, '"" is not a valid label selector operator'),
        ({"matchLabels": {"app": "a b"}}, f'values[0][app]: Invalid value: "a b": {VALUE_MSG}'),
        ({"matchLabels": {"a/b/c": "x"}}, f'key: Invalid value: "a/b/c": {QUALIFIED_MSG}'),
    ],
)
def test_from_label_selector_rejects_with_upstream_message(
    selector: dict[str, object], message: str
) -> None:
    with pytest.raises(SelectorParseError) as caught:
        from_label_selector(selector)
    assert str(caught.value) == message


def test_validate_label_selector_reports_field_path_causes() -> None:
    causes = validate_label_selector(
        {
            "matchLabels": {"app": "web", "bad key": "a b"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": []},
                {"key": "canary", "operator": "Exists", "values": ["x"]},
                {"key": "-x", "operator": "Foo"},
                {"key": "env", "operator": "NotIn", "values": ["ok", "not ok"]},
            ],
        },
        "spec.selector",
    )
    assert [(c.field, c.reason, c.message) for c in causes] == [
        (
            "spec.selector.matchLabels",
            "FieldValueInvalid",
            f'Invalid value: "bad key": name part {NAME_MSG}',
        ),
        ("spec.selector.matchLabels", "FieldValueInvalid", f'Invalid value: "a b": {VALUE_MSG}'),
        (
            "spec.selector.matchExpressions[0].values",
            "FieldValueRequired",
            "Required value: must be specified when `operator` is 'In' or 'NotIn'",
        ),
        (
            "spec.selector.matchExpressions[1].values",
            "FieldValueForbidden",
            "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        ),
        (
            "spec.selector.matchExpressions[2].operator",
            "FieldValueInvalid",
            'Invalid value: "Foo": not a valid selector operator',
        ),
        (
            "spec.selector.matchExpressions[2].key",
            "FieldValueInvalid",
            f'Invalid value: "-x": name part {NAME_MSG}',
        ),
        (
            "spec.selector.matchExpressions[3].values[1]",
            "FieldValueInvalid",
            f'Invalid value: "not ok": {VALUE_MSG}',
        ),
    ]
    assert str(causes[2]) == (
        "spec.selector.matchExpressions[0].values: Required value: "
        "must be specified when `operator` is 'In' or 'NotIn'"
    )


def test_validate_label_selector_accepts_valid_and_null_selectors() -> None:
    assert validate_label_selector(None, "spec.selector") == []
    assert validate_label_selector({}, "spec.selector") == []
    valid = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "example.com/tier", "operator": "In", "values": ["a", ""]}],
    }
    assert validate_label_selector(valid, "spec.selector") == []


def test_validate_label_selector_options() -> None:
    selector = {"matchExpressions": [{"key": "k", "operator": "Foo", "values": ["a b"]}]}
    causes = validate_label_selector(
        selector, "spec.selector", allow_invalid_label_value=True, allow_unknown_operator=True
    )
    assert causes == []


def test_validate_labels() -> None:
    assert validate_labels({"app": "web"}, "metadata.labels") == []
    assert validate_labels(None, "metadata.labels") == []
    causes = validate_labels({"app": "-"}, "metadata.labels")
    assert [str(c) for c in causes] == [f'metadata.labels: Invalid value: "-": {VALUE_MSG}']


# --- properties --------------------------------------------------------------------------------

KEYS = ["app", "tier", "env", "example.com/role", "in", "notin", "a.b-c_d", "k8s.io/x"]
VALUES = ["", "web", "db", "1", "10", "007", "a.b", "in", "notin", "x-y"]
INT_VALUES = ["0", "1", "5", "10", "007", "9223372036854775807"]
LABEL_VALUES = [
    *VALUES,
    "-3",
    "+4",
    "1_0",
    "\u0663",
    "99999999999999999999",
    "-9223372036854775808",
]
SPACE = st.sampled_from(["", " ", "  ", "\t", "\n"])
GAP = st.sampled_from([" ", "  ", "\t", " \r\n"])

Raw = tuple[str, str, tuple[str, ...]]


@st.composite
def requirements(draw: st.DrawFn) -> tuple[Raw, str]:
    """A random valid requirement and a string spelling of it, with random whitespace."""
    key = draw(st.sampled_from(KEYS))
    op = draw(st.sampled_from([op.value for op in Operator]))
    lead, trail = draw(SPACE), draw(SPACE)
    if op in ("in", "notin"):
        # unique: v0.32 rejects an even run of empty values before ")" (see the table above)
        values = tuple(draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=4, unique=True)))
        inner = ("," + draw(SPACE)).join(values)
        text = f"{key}{draw(GAP)}{op}{draw(SPACE)}({draw(SPACE)}{inner}{draw(SPACE)})"
        return (key, op, values), lead + text + trail
    if op == "exists":
        return (key, op, ()), lead + key + trail
    if op == "!":
        return (key, op, ()), f"{lead}!{draw(SPACE)}{key}{trail}"
    if op in ("gt", "lt"):
        value = draw(st.sampled_from(INT_VALUES))
        symbol = ">" if op == "gt" else "<"
        return (key, op, (value,)), f"{lead}{key}{draw(SPACE)}{symbol}{draw(SPACE)}{value}{trail}"
    value = draw(st.sampled_from(VALUES))
    return (key, op, (value,)), f"{lead}{key}{draw(SPACE)}{op}{draw(SPACE)}{value}{trail}"


selectors = st.lists(requirements(), max_size=5)
label_maps = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(LABEL_VALUES), max_size=6)


def _go_int(text: str) -> int | None:
    if re.fullmatch(r"[+-]?[0-9]+", text, flags=re.ASCII) is None:
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


def reference_matches(raws: list[Raw], labels: Mapping[str, str]) -> bool:
    """The semantics written out plainly, one operator at a time."""
    for key, op, values in raws:
        present = key in labels
        value = labels.get(key, "")
        if op in ("=", "==", "in"):
            ok = present and value in values
        elif op in ("!=", "notin"):
            ok = not present or value not in values
        elif op == "exists":
            ok = present
        elif op == "!":
            ok = not present
        else:
            number, bound = _go_int(value), int(values[0])
            ok = (
                present
                and number is not None
                and (number > bound if op == "gt" else number < bound)
            )
        if not ok:
            return False
    return True


@settings(database=None, max_examples=300)
@given(selectors, st.lists(label_maps, min_size=1, max_size=5))
def test_matching_agrees_with_reference(
    drawn: list[tuple[Raw, str]], maps: list[dict[str, str]]
) -> None:
    raws = [raw for raw, _ in drawn]
    selector = parse_label_selector(",".join(text for _, text in drawn))
    for labels in maps:
        assert selector.matches(labels) is reference_matches(raws, labels)


@settings(database=None, max_examples=300)
@given(selectors)
def test_rendering_round_trips(drawn: list[tuple[Raw, str]]) -> None:
    selector = parse_label_selector(",".join(text for _, text in drawn))
    reparsed = parse_label_selector(str(selector))
    assert reparsed == selector
    assert str(reparsed) == str(selector)
    assert [r.key for r in selector.requirements] == sorted(k for (k, _, _), _ in drawn)


@settings(database=None, max_examples=300)
@given(
    st.lists(
        st.sampled_from([*KEYS, *VALUES, " ", ",", "(", ")", "=", "!", "<", ">", "\0", "||", "/"]),
        max_size=12,
    )
)
def test_arbitrary_text_parses_or_raises_selector_parse_error(tokens: list[str]) -> None:
    text = "".join(tokens)
    try:
        selector = parse_label_selector(text)
    except SelectorParseError:
        return
    assert parse_label_selector(str(selector)) == selector


@settings(database=None, max_examples=200)
@given(selectors, label_maps)
def test_requirement_matches_agrees_with_selector(
    drawn: list[tuple[Raw, str]], labels: dict[str, str]
) -> None:
    selector = parse_label_selector(",".join(text for _, text in drawn))
    assert selector.matches(labels) is all(r.matches(labels) for r in selector.requirements)
    for requirement in selector.requirements:
        assert isinstance(requirement, Requirement)
        assert requirement == new_requirement(
            requirement.key, requirement.operator, requirement.values
        )


def test_requirement_built_directly_coerces_operator_and_values() -> None:
    requirement = Requirement("env", "notin", ["prod"])  # type: ignore[arg-type]
    assert requirement.operator is Operator.NOT_IN
    assert requirement.values == ("prod",)
    assert LabelSelector([requirement]) == parse_label_selector("env notin (prod)")
