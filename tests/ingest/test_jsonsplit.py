"""The JSON array splitter: exact spans that tile the array, the same values as a whole-document parse,
and the ijson reading for layouts it does not recognise."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, ParseWarning
from stalkproof.ingest.inputs import open_input
from stalkproof.ingest.jsonsplit import (
    BLOCK,
    RUN_LENGTH,
    Element,
    MemberIndex,
    canonical_bytes,
    format_path,
    iter_element_runs,
    iter_elements,
)

MESSAGES = (("messages",),)
NESTED = (("messages",), ("chats", "list", "*", "messages"))


def split(
    path: Path, targets: Any = MESSAGES, layout: str = "auto", start: int = 0
) -> tuple[list[Element], list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    with open_input(path) as inp:
        ctx = Context(on_warning=warnings.append)
        found = list(iter_elements(inp.members[0], path.name, targets, ctx, layout=layout, start=start))
    return found, warnings


def write(tmp_path: Path, data: bytes | str, name: str = "doc.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# --- the property: spans tile the array and parse as the whole document does -----------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(codec="utf-8"), max_size=12),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=6), inner, max_size=4),
    ),
    max_leaves=12,
)
_ELEMENTS = st.dictionaries(
    st.text(st.characters(codec="utf-8"), max_size=6), _VALUES, min_size=1, max_size=5
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    head=_VALUES,
    elements=st.lists(_ELEMENTS, max_size=8),
    tail=_VALUES,
    indent=st.sampled_from([1, 2, 4, "\t"]),
    ascii_only=st.booleans(),
    crlf=st.booleans(),
)
def test_spans_tile_the_array_and_parse_like_the_whole_document(
    tmp_path: Path, head: Any, elements: list[Any], tail: Any, indent: int | str, ascii_only: bool, crlf: bool
) -> None:
    document = {"head": head, "messages": elements, "tail": tail}
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    data = (text.replace("\n", "\r\n") if crlf else text).encode()
    path = write(tmp_path, data)
    found, warnings = split(path)
    assert warnings == []
    expected = json.loads(data)
    assert [element.value for element in found] == expected["messages"]
    assert all(not element.canonical for element in found)
    for index, element in enumerate(found):
        assert element.offset is not None and element.line is not None
        assert data[element.offset : element.offset + len(element.raw)] == element.raw
        assert json.loads(element.raw) == expected["messages"][index]
        assert element.line == data.count(b"\n", 0, element.offset) + 1
        assert element.end_line == element.line + element.raw.count(b"\n")
        assert (element.path, element.index, element.target) == (f"messages[{index}]", index, ("messages",))
        assert element.container == {"head": expected["head"]}
    ends = [(e.offset, e.offset + len(e.raw)) for e in found if e.offset is not None]
    for (_, end), (start, _) in itertools.pairwise(ends):
        assert re.fullmatch(rb"[ \t\r\n]*,[ \t\r\n]*", data[end:start])
    if ends:
        assert re.search(rb'"messages": \[[ \t\r\n]*$', data[: ends[0][0]])
        assert re.match(rb"[ \t\r\n]*\]", data[ends[-1][1] :])
    streamed, _ = split(path, layout="stream")
    assert [element.value for element in streamed] == expected["messages"]
    assert [element.raw for element in streamed] == [canonical_bytes(value) for value in expected["messages"]]


# --- shapes ---------------------------------------------------------------------------------------


def test_nested_arrays_and_their_containers(tmp_path: Path) -> None:
    document = {
        "about": "x",
        "chats": {
            "list": [
                {"name": "A", "id": 1, "messages": [{"n": 1}, {"n": 2}], "after": True},
                {"name": "B", "id": 2, "messages": []},
                {"name": "C", "id": 3, "messages": [{"n": 3}]},
            ]
        },
    }
    path = write(tmp_path, json.dumps(document, indent=1))
    found, _ = split(path, NESTED)
    assert [(e.path, e.value, e.container) for e in found] == [
        ("chats.list[0].messages[0]", {"n": 1}, {"name": "A", "id": 1}),
        ("chats.list[0].messages[1]", {"n": 2}, {"name": "A", "id": 1}),
        ("chats.list[2].messages[0]", {"n": 3}, {"name": "C", "id": 3}),
    ]
    assert found[0].container is found[1].container  # one object per array, so callers can cache on it
    streamed, _ = split(path, NESTED, layout="stream")
    assert [(e.path, e.value, e.container) for e in streamed] == [
        (e.path, e.value, e.container) for e in found
    ]


def test_a_root_array_and_a_prefix_that_is_not_json(tmp_path: Path) -> None:
    prefix = b"window.YTD.direct_messages.part0 = "
    data = (
        prefix + b'[\n  {\n    "dmConversation" : {\n      "id" : "1"\n    }\n  },\n  {\n    "x" : 2\n  }\n]'
    )
    path = write(tmp_path, data, "direct-messages.js")
    found, _ = split(path, [()], start=len(prefix))
    assert [e.value for e in found] == [{"dmConversation": {"id": "1"}}, {"x": 2}]
    assert [(e.line, e.end_line, e.path) for e in found] == [(2, 6, "[0]"), (7, 9, "[1]")]
    assert all(data[e.offset : e.offset + len(e.raw)] == e.raw for e in found if e.offset is not None)
    streamed, _ = split(path, [()], layout="stream", start=len(prefix))
    assert [e.value for e in streamed] == [e.value for e in found]


def test_empty_arrays_written_either_way(tmp_path: Path) -> None:
    for data in ('{\n "messages": [],\n "x": 1\n}\n', '{\n "messages": [\n ],\n "x": 1\n}\n'):
        assert split(write(tmp_path, data))[0] == []


def test_a_byte_order_mark_is_skipped_but_counted(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbf{\n "messages": [\n  {\n   "a": 1\n  }\n ]\n}\n'
    found, _ = split(write(tmp_path, data))
    assert [(e.value, e.offset, e.line) for e in found] == [({"a": 1}, data.index(b"  {") + 2, 3)]
    assert split(write(tmp_path, data), layout="stream")[0][0].value == {"a": 1}


def test_an_element_in_another_layout_hands_over_to_ijson_without_repeats(tmp_path: Path) -> None:
    data = '{\n "messages": [\n  {\n   "a": 1\n  },\n  {"b": 2},\n  {\n   "c": 3\n  }\n ]\n}\n'
    found, _ = split(write(tmp_path, data))
    assert [(e.value, e.canonical) for e in found] == [({"a": 1}, False), ({"b": 2}, True), ({"c": 3}, True)]
    assert [e.path for e in found] == ["messages[0]", "messages[1]", "messages[2]"]
    assert found[1].raw == b'{"b":2}' and found[1].offset is None and found[1].line is None


def test_inconsistent_indentation_and_other_shapes_go_to_ijson(tmp_path: Path) -> None:
    for data in (
        '{\n "messages": [\n  {\n   "a": {\n  }\n  }\n ]\n}\n',  # an inner "}" at the element's indentation
        '{\n "messages": [\n  {},\n  {\n   "a": 1\n  }\n ]\n}\n',  # an empty object on one line
        '{\n "messages": [\n  1,\n  2\n ]\n}\n',  # not objects
        '{"messages": [{"a": 1}]}',  # minified
    ):
        found, _ = split(write(tmp_path, data))
        assert [e.value for e in found] == json.loads(data)["messages"]
        assert all(e.canonical for e in found)


def test_a_skeleton_line_over_1_mib_goes_to_ijson(tmp_path: Path) -> None:
    data = '{\n "big": "' + "x" * (1024 * 1024 + 10) + '",\n "messages": [\n  {\n   "a": 1\n  }\n ]\n}\n'
    found, _ = split(write(tmp_path, data))
    assert [(e.value, e.canonical) for e in found] == [({"a": 1}, True)]


# --- faults ---------------------------------------------------------------------------------------


def test_truncated_inside_an_element(tmp_path: Path) -> None:
    data = '{\n "messages": [\n  {\n   "a": 1\n  },\n  {\n   "b": 2,\n   "c": "cut he'
    with pytest.raises(InputError) as caught:
        split(write(tmp_path, data, "result.json"))
    assert str(caught.value) == (
        "result.json, line 6: the file ends in the middle of message 2; the export is incomplete "
        "(download it again)."
    )


def test_truncated_minified_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^result\.json, line 1: the file ends in the middle of message 2;"):
        split(write(tmp_path, '{"messages": [{"a": 1}, {"b": ', "result.json"))


def test_truncated_after_the_array(tmp_path: Path) -> None:
    data = '{\n "messages": [\n  {\n   "a": 1\n  }\n ],\n "tail": {\n  "x": 1\n'
    with pytest.raises(InputError, match=r"^doc\.json, line 8: the file ends before its JSON is complete"):
        split(write(tmp_path, data))


def test_damaged_skeleton_is_named_with_its_line(tmp_path: Path) -> None:
    data = '{\n "messages": [\n  {\n   "a": 1\n  }\n ],\n "tail": tru\n}\n'
    with pytest.raises(InputError, match=r"^doc\.json, line 7: this is not valid JSON here;"):
        split(write(tmp_path, data))
    with pytest.raises(InputError, match=r"^doc\.json, line 3: this is not valid JSON here \('\]'\)"):
        split(write(tmp_path, '{\n "a": 1\n ]\n'))
    with pytest.raises(InputError, match=r"^doc\.json, line 4: this is not valid JSON here"):
        split(write(tmp_path, '{\n "a": 1\n}\n{"b": 2}\n'))


def test_a_comma_after_the_last_element(tmp_path: Path) -> None:
    data = '{\n "messages": [\n  {\n   "a": 1\n  },\n ]\n}\n'
    with pytest.raises(
        InputError, match=r"^doc\.json, line 5: this is not valid JSON here \(a comma before '\]'\)"
    ):
        split(write(tmp_path, data))


def test_invalid_utf8_and_bad_json_inside_an_element(tmp_path: Path) -> None:
    data = b'{\n "messages": [\n  {\n   "a": 1\n  },\n  {\n   "b": "\xc3(",\n   "c": 2\n  }\n ]\n}\n'
    with pytest.raises(InputError, match=r"^doc\.json, line 7: this is not UTF-8 text \(byte 0xC3\)"):
        split(write(tmp_path, data))
    data = b'{\n "messages": [\n  {\n   "a": 1\n  },\n  {\n   "b": 1,\n   "c" 2\n  }\n ]\n}\n'
    with pytest.raises(InputError, match=r"^doc\.json, line 8: this is not valid JSON here"):
        split(write(tmp_path, data))


def test_a_lone_surrogate_is_replaced_and_warned(tmp_path: Path) -> None:
    data = '{\n "messages": [\n  {\n   "a": "half \\ud83d of it"\n  }\n ]\n}\n'
    found, warnings = split(write(tmp_path, data))
    assert found[0].value == {"a": "half \ufffd of it"}
    assert found[0].raw == b'{\n   "a": "half \\ud83d of it"\n  }'
    assert [(w.code, w.line) for w in warnings] == [("lone_surrogate", 3)]
    streamed, warnings = split(write(tmp_path, data), layout="stream")
    assert streamed[0].value == {"a": "half ? of it"}
    assert [(w.code, w.line) for w in warnings] == [("lone_surrogate", 1)]
    pair = '{\n "messages": [\n  {\n   "a": "\\ud83d\\ude00"\n  }\n ]\n}\n'
    assert split(write(tmp_path, pair), layout="stream") == (
        split(write(tmp_path, pair), layout="stream")[0],
        [],
    )


# --- helpers --------------------------------------------------------------------------------------


def test_format_path() -> None:
    assert format_path(("chats", "list", 3, "messages", 17)) == "chats.list[3].messages[17]"
    assert format_path((4,)) == "[4]"
    assert format_path(()) == ""


def test_canonical_bytes() -> None:
    assert canonical_bytes({"b": [1, "é"], "a": None}) == '{"a":null,"b":[1,"é"]}'.encode()
    assert canonical_bytes({"n": 2**70}) == b'{"n":1180591620717411303424}'


def test_member_index_looks_beside_then_above(tmp_path: Path) -> None:
    (tmp_path / "export" / "chat" / "photos").mkdir(parents=True)
    (tmp_path / "export" / "chat" / "photos" / "1.jpg").write_bytes(b"x")
    (tmp_path / "export" / "messages" / "inbox" / "sam").mkdir(parents=True)
    (tmp_path / "export" / "messages" / "inbox" / "sam" / "2.jpg").write_bytes(b"x")
    with open_input(tmp_path) as inp:
        index = MemberIndex(inp)
    assert index.holds_media
    assert index.find("photos/1.jpg", "export/chat/result.json") == "export/chat/photos/1.jpg"
    assert index.find("messages/inbox/sam/2.jpg", "export/messages/inbox/sam/message_1.json") == (
        "export/messages/inbox/sam/2.jpg"
    )
    assert index.find("photos/9.jpg", "export/chat/result.json") is None
    single = write(tmp_path, "{}", "alone.json")
    with open_input(single) as inp:
        assert not MemberIndex(inp).holds_media


def test_element_values_are_what_orjson_gives(tmp_path: Path) -> None:
    data = '{\n "messages": [\n  {\n   "big": 18446744073709551615,\n   "f": 1.5e300\n  }\n ]\n}\n'
    found, _ = split(write(tmp_path, data))
    assert found[0].value == orjson.loads(found[0].raw) == {"big": 2**64 - 1, "f": 1.5e300}


# --- runs: many elements handed out at a time, the same as one at a time -----------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_runs_across_blocks_are_the_elements_one_at_a_time(tmp_path: Path, newline: str) -> None:
    """Thousands of elements of uneven sizes, so that runs end at every kind of place (a full run, a
    refill of the window, the array's end), with a lone surrogate among them: the elements are exactly
    the file's bytes on the right lines, and the warning reaches the caller after every element before
    it and before any after it, as when elements came one at a time."""
    elements: list[Any] = [{"n": n, "pad": "x" * (n * 37 % 900)} for n in range(5_000)]
    text = json.dumps({"head": 1, "messages": elements}, indent=2).replace("\n", newline)
    text = text.replace('"n": 2345,', '"n": 2345, "half": "\\ud83d",')
    data = text.encode()
    assert len(data) > 2 * BLOCK
    path = write(tmp_path, data)
    received: list[Element] = []
    warned_after: list[int] = []
    with open_input(path) as inp:
        ctx = Context(on_warning=lambda warning: warned_after.append(len(received)))
        for run in iter_element_runs(inp.members[0], path.name, MESSAGES, ctx):
            assert 0 < len(run) <= RUN_LENGTH
            assert len({(e.array, id(e.container), e.target) for e in run}) == 1
            for element in run:
                received.append(element)
    assert warned_after == [2_345]
    expected = json.loads(data)["messages"]
    expected[2_345]["half"] = "\ufffd"
    assert [element.value for element in received] == expected
    for index, element in enumerate(received):
        assert element.offset is not None and element.line is not None
        assert data[element.offset : element.offset + len(element.raw)] == element.raw
        assert element.line == data.count(b"\n", 0, element.offset) + 1
        assert element.end_line == element.line + element.raw.count(b"\n")
        assert (element.index, element.path, element.canonical) == (index, f"messages[{index}]", False)
    assert split(path)[0] == received


def test_a_fault_after_a_run_comes_after_the_run(tmp_path: Path) -> None:
    """The elements before a fault are all handed out before the fault is raised."""
    elements = [{"n": n} for n in range(100)]
    text = json.dumps({"messages": elements}, indent=1).replace('"n": 70', '"n" 70')
    received: list[Element] = []
    with open_input(write(tmp_path, text)) as inp, pytest.raises(InputError, match="not valid JSON"):
        for element in iter_elements(inp.members[0], "doc.json", MESSAGES):
            received.append(element)
    assert [element.value for element in received] == elements[:70]
