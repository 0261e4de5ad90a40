"""Properties of the image readers over generated input: the JPEG segment walker gives back exactly the
bytes it was given, stripping never touches pixels, every cut-short JPEG is refused, and damaged or random
input only ever raises MediaFormatError (never a crash with a traceback)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digital import media_fixtures as fx
from stalkproof.digital.media import exif, iptc, jpeg, png, tiff, webp, xmp
from stalkproof.digital.media.model import MediaFormatError, Metadata

PROPERTY = settings(max_examples=60, deadline=None)
MARKER = b"PRIVATE-"
DROPPED_MARKERS = [0xE1, *range(0xE3, 0xEE), 0xEF, 0xFE]  # APP1, APP3–APP13, APP15, COM


@cache
def _base_jpeg() -> bytes:
    return fx.encoded_jpeg(fx.picture(40, 24))


@cache
def _base_pixels() -> bytes:
    return _decode(_base_jpeg())


def _decode(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.tobytes()


metadata_segments = st.lists(
    st.tuples(st.sampled_from(DROPPED_MARKERS), st.binary(max_size=300)), min_size=1, max_size=6
)


@PROPERTY
@given(metadata_segments)
def test_walker_returns_every_segment_in_order_and_the_same_bytes(segments: list[tuple[int, bytes]]) -> None:
    encoded = [fx.segment(marker, MARKER + payload) for marker, payload in segments]
    data = fx.with_segments(_base_jpeg(), encoded)
    walked = list(jpeg.SegmentWalker(io.BytesIO(data)))
    assert b"".join(segment.encoded() for segment in walked) == data
    inserted = [(s.marker, s.payload) for s in walked if s.payload.startswith(MARKER)]
    assert inserted == [(marker, MARKER + payload) for marker, payload in segments]


@PROPERTY
@given(metadata_segments, st.binary(max_size=200))
def test_strip_drops_every_metadata_segment_and_trailer_and_keeps_pixels(
    segments: list[tuple[int, bytes]], trailer: bytes
) -> None:
    encoded = [fx.segment(marker, MARKER + payload) for marker, payload in segments]
    data = fx.with_segments(_base_jpeg(), encoded, MARKER + trailer)
    output = io.BytesIO()
    removed = jpeg.strip_stream(io.BytesIO(data), output)
    assert MARKER not in output.getvalue()
    assert _decode(output.getvalue()) == _base_pixels()
    assert removed


@PROPERTY
@given(st.data())
def test_every_cut_short_jpeg_is_refused(data: st.DataObject) -> None:
    whole = fx.with_segments(_base_jpeg(), [fx.segment(0xE1, b"Exif\x00\x00" + exif.orientation_only(6))])
    length = data.draw(st.integers(min_value=0, max_value=len(whole) - 1))
    for reader in (jpeg.scan_stream, lambda stream: jpeg.strip_stream(stream, io.BytesIO())):
        try:
            reader(io.BytesIO(whole[:length]))
        except MediaFormatError:
            continue
        raise AssertionError(f"a JPEG cut to {length} of {len(whole)} bytes was accepted")


def _only_media_errors(call: object) -> None:
    try:
        result = call() if callable(call) else None
    except MediaFormatError as error:
        assert str(error).endswith(".") and "\n" not in str(error)
        return
    assert result is None or isinstance(result, (Metadata, list, int))


@PROPERTY
@given(st.binary(max_size=400))
def test_random_bytes_after_a_jpeg_start_only_raise_media_errors(tail: bytes) -> None:
    _only_media_errors(lambda: jpeg.scan_stream(io.BytesIO(b"\xff\xd8" + tail)))
    _only_media_errors(lambda: jpeg.strip_stream(io.BytesIO(b"\xff\xd8" + tail), io.BytesIO()))


def _mutated(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    changed = bytearray(data)
    for position, value in edits:
        changed[position % len(changed)] = value
    return bytes(changed)


edits = st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8)


@PROPERTY
@given(edits)
def test_damaged_exif_xmp_and_iptc_blocks_only_raise_media_errors(changes: list[tuple[int, int]]) -> None:
    _only_media_errors(lambda: exif.read_exif(_mutated(fx.exif_block(1.0, 2.0), changes), "EXIF"))
    _only_media_errors(lambda: exif.orientation_of(_mutated(fx.exif_block(1.0, 2.0), changes)))
    _only_media_errors(lambda: xmp.read_xmp(_mutated(fx.xmp_packet(1.0, 2.0), changes), "XMP"))
    _only_media_errors(lambda: iptc.read_iptc(_mutated(fx.iptc_iim(), changes), "IPTC"))
    resources = fx.photoshop_resources(fx.iptc_iim())
    _only_media_errors(lambda: iptc.read_photoshop(_mutated(resources, changes), "Photoshop"))


@pytest.fixture(scope="module")
def containers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[ModuleType, bytes]]]:
    base = tmp_path_factory.mktemp("containers")
    built = {
        "jpg": (jpeg, fx.jpeg_with_everything(base / "a.jpg", 1.0, 2.0)),
        "png": (png, fx.png_with_exif_and_xmp(base / "a.png", 1.0, 2.0)),
        "webp": (webp, fx.webp_with_exif_xmp(base / "a.webp", 1.0, 2.0)),
        "tif": (tiff, fx.tiff_with_gps(base / "a.tif", 1.0, 2.0)),
    }
    return base, {name: (module, path.read_bytes()) for name, (module, path) in built.items()}


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["jpg", "png", "webp", "tif"]), edits)
def test_damaged_containers_only_raise_media_errors(
    containers: tuple[Path, dict[str, tuple[ModuleType, bytes]]], kind: str, changes: list[tuple[int, int]]
) -> None:
    base, files = containers
    module, data = files[kind]
    source, target = base / f"in.{kind}", base / f"out.{kind}"
    source.write_bytes(_mutated(data, changes))
    target.write_bytes(b"")
    _only_media_errors(lambda: module.scan(source))
    _only_media_errors(lambda: module.strip(source, target))


def test_fill_bytes_before_a_marker_are_allowed() -> None:
    data = _base_jpeg()
    padded = data[:2] + b"\xff\xff\xff" + data[2:]
    assert [segment.marker for segment in jpeg.SegmentWalker(io.BytesIO(padded))][:2] == [jpeg.SOI, jpeg.APP0]
    output = io.BytesIO()
    jpeg.strip_stream(io.BytesIO(padded), output)
    assert _decode(output.getvalue()) == _base_pixels()


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 64])
def test_tiny_read_pieces_split_markers_anywhere_without_changing_the_result(
    monkeypatch: pytest.MonkeyPatch, piece: int
) -> None:
    data = fx.encoded_jpeg(fx.picture(24, 16), restart_marker_blocks=1, exif=fx.exif_block(1.0, 2.0))
    monkeypatch.setattr(jpeg, "PIECE", piece)
    assert b"".join(segment.encoded() for segment in jpeg.SegmentWalker(io.BytesIO(data))) == data
    output = io.BytesIO()
    jpeg.strip_stream(io.BytesIO(data), output)
    assert _decode(output.getvalue()) == _decode(data)
