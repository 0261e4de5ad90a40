"""Media metadata benchmark: `python bench/media.py [--photos 2000] [--videos 20]`.

1. Builds a corpus (not timed) in a temporary folder: `--photos` JPEG photos of `--width`×`--height`
   pixels (default 1600×1200, gradients with noise so they are photo-sized, a few hundred KB each), in
   folders of 250; 60% carry Exif GPS with a camera owner, serial numbers and orientation 6, half of
   those also XMP with GPS and a city and a third IPTC city and by-line; 20% carry only camera Exif; 20%
   none. Plus `--videos` MP4 and MOV clips with location in `©xyz`, `loci`, the ISO 6709 key and XMP.
   Metadata blocks come from the test fixture builders (tests/digital/media_fixtures.py, bmff_fixtures.py).
2. Scan, every file: stalkproof (`scan_paths`, a fresh child process, start-up included) against ExifTool
   stay-open (`-stay_open True -@ -` with `-j -G1 -a -n -ee`, requests pipelined) and ExifTool started
   once per file (on a `--sample` of files, extrapolated: the figure says so). Goal: stalkproof >= 5x
   ExifTool stay-open.
3. Strip, every file: stalkproof (`strip_paths`, all checks, ExifTool verification included, then again
   without it) against `exiftool -all= -tagsfromfile @ -orientation -o OUT/%d/` in one process, and
   `mat2` (Debian, default mode) on `--mat2-sample` photos (it is slow, and it cannot read MP4/MOV without
   ffmpeg). Goal: stalkproof >= ExifTool. stalkproof flushes every copy to disk (fsync); the peers do not.
4. For each tool's copies (a `--sample` of photos): the share whose decoded pixels are identical to the
   original's (Pillow), whose orientation survived, and in which ExifTool still finds location or
   identity. Goal: stalkproof lossless everywhere, where mat2 is not.

Every tool reads from a warm page cache (all files are read once before each timing). Results are
printed and written to bench/results/media.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image

from stalkproof.digital.media.exiftool import ExifTool
from stalkproof.digital.media.verify import revealing_exiftool_tags

RESULTS = Path(__file__).with_name("results") / "media.json"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "digital"
SCAN_GOAL = 5.0  # stalkproof scan files/s >= 5x ExifTool stay-open
STRIP_GOAL = 1.0  # stalkproof strip files/s >= ExifTool
BASE_PICTURES = 8
FOLDER_SIZE = 250
VIDEO_MDAT = 2 * 1024 * 1024
PIPELINE = 16
EXIFTOOL_READ = ("-j", "-G1", "-a", "-n", "-ee")
# Where the photos were "taken": fictional walks around real towns, so the place names are checkable.
TOWNS = ((54.6010, -3.1355), (53.9600, -1.0873), (51.3811, -2.3590), (56.4152, -5.4700), (50.2660, -5.0527))


@dataclass
class Corpus:
    root: Path
    photos: list[Path] = field(default_factory=list)
    videos: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return self.photos + self.videos

    def megabytes(self) -> float:
        return sum(path.stat().st_size for path in self.files) / 1e6


@dataclass
class Figure:
    task: str
    tool: str
    files: int
    seconds: float
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0


# --- the corpus -------------------------------------------------------------------------------------------


def fixtures(name: str) -> ModuleType:
    """A fixture-builder module from tests/digital, loaded by path (the tests folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", FIXTURES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


IMAGES = fixtures("media_fixtures")
MOVIES = fixtures("bmff_fixtures")


def build_corpus(root: Path, photos: int, videos: int, width: int, height: int, seed: int) -> Corpus:
    corpus = Corpus(root)
    rng = np.random.default_rng(seed)
    bases = [_base_picture(rng, width, height) for _ in range(BASE_PICTURES)]
    for index in range(photos):
        folder = root / "photos" / f"{index // FOLDER_SIZE:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"IMG_{index:05d}.JPG"
        lat, lon = TOWNS[index % len(TOWNS)]
        jitter = rng.uniform(-0.01, 0.01, size=2)
        path.write_bytes(_photo(bases[index % BASE_PICTURES], index, lat + jitter[0], lon + jitter[1]))
        corpus.photos.append(path)
    for index in range(videos):
        folder = root / "videos"
        folder.mkdir(parents=True, exist_ok=True)
        lat, lon = TOWNS[index % len(TOWNS)]
        make = MOVIES.mp4_with_location if index % 2 == 0 else MOVIES.mov_with_location
        suffix = "mp4" if index % 2 == 0 else "mov"
        corpus.videos.append(make(folder / f"clip_{index:03d}.{suffix}", lat, lon, mdat_size=VIDEO_MDAT))
    return corpus


def _base_picture(rng: np.random.Generator, width: int, height: int) -> bytes:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    tint = rng.uniform(0.3, 1.0, size=3)
    picture = np.stack(
        [x / width * 255 * tint[0], y / height * 255 * tint[1], (x + y) / 2 / width * 255 * tint[2]], -1
    )
    picture += rng.normal(0, 7, picture.shape).astype(np.float32)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _photo(base: bytes, index: int, lat: float, lon: float) -> bytes:
    share = index % 10
    if share < 6:
        segments = [IMAGES.segment(0xE1, IMAGES.exif_block(lat, lon))]
        if share < 3:
            segments.append(IMAGES.xmp_segment(IMAGES.xmp_packet(lat, lon)))
        if share < 2:
            segments.append(IMAGES.app13(IMAGES.iptc_iim()))
        return cast(bytes, IMAGES.with_segments(base, segments))
    if share < 8:
        camera = Image.Exif()
        camera.update({0x0112: 1, 0x010F: "ExampleCam", 0x0110: "Model X"})
        return cast(bytes, IMAGES.with_segments(base, [IMAGES.segment(0xE1, camera.tobytes())]))
    return base


def warm(paths: Iterable[Path]) -> None:
    for path in paths:
        path.read_bytes()


def sample(paths: list[Path], count: int) -> list[Path]:
    if count >= len(paths):
        return list(paths)
    step = len(paths) / count
    return [paths[int(index * step)] for index in range(count)]


# --- timing the tools -------------------------------------------------------------------------------------


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def stalkproof_child(
    task: str, corpus: Corpus, out: Path | None = None, exiftool: bool = True
) -> dict[str, Any]:
    arguments = [
        sys.executable,
        __file__,
        "--child",
        task,
        str(corpus.root / "photos"),
        str(corpus.root / "videos"),
    ]
    if out is not None:
        arguments += ["--out", str(out)]
    if not exiftool:
        arguments.append("--no-exiftool")
    seconds, run = timed(lambda: subprocess.run(arguments, check=True, capture_output=True, text=True))
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    result["seconds"] = seconds
    return result


def child(task: str, paths: list[Path], out: Path | None, exiftool: bool) -> dict[str, Any]:
    if task == "scan":
        from stalkproof.digital.media.scan import scan_paths

        started = time.perf_counter()
        results = list(scan_paths(paths))
        return {
            "inner_seconds": time.perf_counter() - started,
            "files": len(results),
            "located": sum(result.reveals_location for result in results),
            "errors": sum(result.error is not None for result in results),
        }
    from stalkproof.digital.media.strip import strip_paths

    assert out is not None
    stripped = strip_paths(paths, out, use_exiftool=exiftool)
    return {
        "files": len(stripped),
        "verified": sum(result.verified for result in stripped),
        "errors": [result.error for result in stripped if result.error][:5],
    }


def exiftool_stay_open(files: list[Path]) -> tuple[float, int]:
    """Every file through one running ExifTool, up to PIPELINE requests in flight; files with location."""

    def run() -> int:
        tool = ExifTool.start()
        assert tool is not None
        located = 0
        with tool:
            waiting = 0
            for path in files:
                tool.submit(path)
                waiting += 1
                if waiting >= PIPELINE:
                    located += bool(revealing_exiftool_tags(tool.receive())[0])
                    waiting -= 1
            for _ in range(waiting):
                located += bool(revealing_exiftool_tags(tool.receive())[0])
        return located

    return timed(run)


def exiftool_per_file(files: list[Path]) -> float:
    def run() -> None:
        for path in files:
            subprocess.run(["exiftool", *EXIFTOOL_READ, str(path)], check=False, capture_output=True)

    return timed(run)[0]


def exiftool_strip(corpus: Corpus, out: Path) -> float:
    # %d keeps each file's folder (relative to the corpus, where exiftool runs) under OUT.
    command = ["exiftool", "-q", "-q", "-r", "-all=", "-tagsfromfile", "@", "-orientation",
               "-o", f"{out}/%d/", "photos", "videos"]  # fmt: skip
    return timed(lambda: subprocess.run(command, cwd=corpus.root, check=False, capture_output=True))[0]


def mat2_strip(files: list[Path], folder: Path) -> tuple[float, list[Path]]:
    folder.mkdir(parents=True)
    copies = []
    for path in files:
        copy = folder / f"{path.parent.name}_{path.name}"
        shutil.copyfile(path, copy)
        copies.append(copy)
    warm(copies)
    seconds = timed(lambda: subprocess.run(["mat2", *map(str, copies)], check=False, capture_output=True))[0]
    return seconds, copies


def mat2_output(copy: Path) -> Path:
    return copy.with_name(f"{copy.stem}.cleaned{copy.suffix}")


# --- what the copies are like -----------------------------------------------------------------------------


@dataclass
class Quality:
    compared: int = 0
    missing: int = 0
    identical: int = 0
    orientation_kept: int = 0
    revealing_left: int = 0

    def share(self, count: int) -> str:
        return f"{count / self.compared:.0%}" if self.compared else "–"


def quality(pairs: list[tuple[Path, Path]]) -> Quality:
    """Pixels and orientation against the original, and what ExifTool still finds in the copy."""
    found = Quality()
    tool = ExifTool.start()
    try:
        for original, copy in pairs:
            if not copy.exists():
                found.missing += 1
                continue
            found.compared += 1
            with Image.open(original) as before, Image.open(copy) as after:
                found.identical += before.tobytes() == after.tobytes()
                # No orientation tag means 1 (upright); a cleaner may leave out a tag that says so.
                found.orientation_kept += before.getexif().get(0x0112, 1) == after.getexif().get(0x0112, 1)
            if tool is not None:
                places, people = revealing_exiftool_tags(tool.read(copy))
                found.revealing_left += bool(places or people)
    finally:
        if tool is not None:
            tool.close()
    return found


def copy_of(root: Path, corpus: Corpus, original: Path) -> Path:
    return root / original.relative_to(corpus.root)


# --- the run ----------------------------------------------------------------------------------------------


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="stalkproof-media-bench-", dir="/tmp") as temporary:
        root = Path(temporary)
        print(f"building {arguments.photos:,} photos and {arguments.videos} videos (not timed)…", flush=True)
        started = time.perf_counter()
        corpus = build_corpus(root / "corpus", arguments.photos, arguments.videos, arguments.width,
                              arguments.height, arguments.seed)  # fmt: skip
        took = time.perf_counter() - started
        print(f"  {len(corpus.files):,} files, {corpus.megabytes():,.0f} MB, in {took:.0f} s")
        figures: list[Figure] = []
        figures += scan_figures(corpus, arguments.sample)
        strips, qualities = strip_figures(corpus, root, arguments)
        figures += strips
    sizes = {"photos": arguments.photos, "videos": arguments.videos, "width": arguments.width,
             "height": arguments.height}  # fmt: skip
    return {"figures": figures, "quality": qualities, "corpus": sizes}


def scan_figures(corpus: Corpus, sample_size: int) -> list[Figure]:
    files = corpus.files
    print("scanning…", flush=True)
    warm(files)
    ours = stalkproof_child("scan", corpus)
    warm(files)
    seconds, located = exiftool_stay_open(files)
    per_file = sample(files, sample_size)
    warm(per_file)
    per_file_seconds = exiftool_per_file(per_file)
    return [
        Figure("scan", "stalkproof", ours["files"], ours["seconds"], "fresh process, start-up included",
               {"located": ours["located"], "errors": ours["errors"]}),
        Figure("scan", "stalkproof, after start-up", ours["files"], ours["inner_seconds"],
               "the same run without interpreter start and imports (for reference)"),
        Figure("scan", "exiftool stay-open", len(files), seconds, "one process, requests pipelined",
               {"located": located}),
        Figure("scan", "exiftool per file", len(per_file), per_file_seconds,
               f"one process per file on {len(per_file)} files, extrapolated"),
    ]  # fmt: skip


def strip_figures(
    corpus: Corpus, root: Path, arguments: argparse.Namespace
) -> tuple[list[Figure], dict[str, Any]]:
    files = corpus.files
    print("stripping…", flush=True)
    warm(files)
    ours = stalkproof_child("strip", corpus, root / "out-stalkproof")
    warm(files)
    unchecked = stalkproof_child("strip", corpus, root / "out-stalkproof-fast", exiftool=False)
    warm(files)
    exiftool_seconds = exiftool_strip(corpus, root / "out-exiftool")
    mat2_files = sample(corpus.photos, arguments.mat2_sample)
    mat2_seconds, mat2_copies = mat2_strip(mat2_files, root / "mat2")
    figures = [
        Figure("strip", "stalkproof (all checks, ExifTool included)", ours["files"], ours["seconds"],
               "fresh process, fsync per copy", {"verified": ours["verified"], "errors": ours["errors"]}),
        Figure("strip", "stalkproof (without the ExifTool check)", unchecked["files"], unchecked["seconds"],
               "fresh process, fsync per copy", {"verified": unchecked["verified"]}),
        Figure("strip", "exiftool -all= -tagsfromfile @ -orientation", len(files), exiftool_seconds,
               "one process, no fsync"),
        Figure("strip", "mat2 (default mode)", len(mat2_files), mat2_seconds,
               f"photos only, a sample of {len(mat2_files)}: no MP4/MOV without ffmpeg"),
    ]  # fmt: skip
    print("comparing copies with originals…", flush=True)
    photos = sample(corpus.photos, arguments.sample)
    qualities = {
        "stalkproof": quality([(p, copy_of(root / "out-stalkproof", corpus, p)) for p in photos]),
        "exiftool": quality([(p, copy_of(root / "out-exiftool", corpus, p)) for p in photos]),
        "mat2": quality([(p, mat2_output(c)) for p, c in zip(mat2_files, mat2_copies, strict=True)]),
    }
    videos = corpus.videos
    qualities_videos = {
        "stalkproof": _video_leftovers([copy_of(root / "out-stalkproof", corpus, v) for v in videos]),
        "exiftool": _video_leftovers([copy_of(root / "out-exiftool", corpus, v) for v in videos]),
    }
    return figures, {"photos": {name: asdict(q) for name, q in qualities.items()}, "videos": qualities_videos}


def _video_leftovers(copies: list[Path]) -> dict[str, int]:
    left, missing = 0, 0
    tool = ExifTool.start()
    if tool is None:
        return {"copies": len(copies), "missing": 0, "revealing_left": -1}
    with tool:
        for copy in copies:
            if not copy.exists():
                missing += 1
                continue
            places, people = revealing_exiftool_tags(tool.read(copy))
            left += bool(places or people)
    return {"copies": len(copies), "missing": missing, "revealing_left": left}


# --- the report -------------------------------------------------------------------------------------------


def report(result: dict[str, Any]) -> None:
    figures: list[Figure] = result["figures"]
    print(f"\n{'task':<6}{'tool':<47}{'files':>7}{'seconds':>9}{'files/s':>10}  note")
    print("-" * 120)
    for figure in figures:
        numbers = f"{figure.files:>7,}{figure.seconds:>9.2f}{figure.rate:>10,.1f}"
        print(f"{figure.task:<6}{figure.tool:<47}{numbers}  {figure.note}")
    by_tool = {(figure.task, figure.tool): figure for figure in figures}
    scan_ratio = by_tool["scan", "stalkproof"].rate / by_tool["scan", "exiftool stay-open"].rate
    strip_ratio = (by_tool["strip", "stalkproof (all checks, ExifTool included)"].rate
                   / by_tool["strip", "exiftool -all= -tagsfromfile @ -orientation"].rate)  # fmt: skip
    print(f"\nscan:  stalkproof / exiftool stay-open = {scan_ratio:.1f}x   goal >= {SCAN_GOAL:.0f}x   "
          f"{_met(scan_ratio >= SCAN_GOAL)}")  # fmt: skip
    print(f"strip: stalkproof / exiftool = {strip_ratio:.2f}x   goal >= {STRIP_GOAL:.0f}x   "
          f"{_met(strip_ratio >= STRIP_GOAL)}")  # fmt: skip
    print(f"\n{'copies of photos (sample)':<28}{'compared':>9}{'missing':>9}{'pixel-identical':>17}"
          f"{'orientation kept':>18}{'place/person left (ExifTool)':>30}")  # fmt: skip
    for name, raw in result["quality"]["photos"].items():
        found = Quality(**raw)
        shares = (
            found.share(found.identical),
            found.share(found.orientation_kept),
            found.share(found.revealing_left),
        )
        print(f"{name:<28}{found.compared:>9}{found.missing:>9}{shares[0]:>17}{shares[1]:>18}{shares[2]:>30}")
    for name, raw in result["quality"]["videos"].items():
        print(f"videos, {name}: {raw['copies']} copies, {raw['missing']} not written, "
              f"{raw['revealing_left']} with a place or person left (per ExifTool)")  # fmt: skip
    print("(ExifTool refuses to write the synthetic clips: their tracks have no data reference.)")
    ours = Quality(**result["quality"]["photos"]["stalkproof"])
    mat2 = Quality(**result["quality"]["photos"]["mat2"])
    lossless = (
        ours.compared > 0 and ours.identical == ours.compared and ours.orientation_kept == ours.compared
    )
    met = _met(lossless and mat2.identical < mat2.compared)
    print(f"\nlossless where mat2 is not: stalkproof {ours.share(ours.identical)} pixel-identical, "
          f"mat2 {mat2.share(mat2.identical)}   {met}")  # fmt: skip
    RESULTS.parent.mkdir(exist_ok=True)
    saved = result | {
        "figures": [asdict(figure) | {"files_per_s": figure.rate} for figure in figures],
        "ratios": {"scan": scan_ratio, "strip": strip_ratio},
        "machine": platform.platform(),
    }
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--photos", type=int, default=2000, help="photos in the corpus (default 2,000)")
    parser.add_argument("--videos", type=int, default=20, help="videos in the corpus (default 20)")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1200)
    parser.add_argument(
        "--sample", type=int, default=100, help="files for per-file ExifTool and pixel checks"
    )
    parser.add_argument("--mat2-sample", type=int, default=50, help="photos given to mat2")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-exiftool", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        print(json.dumps(child(arguments.child, arguments.paths, arguments.out, not arguments.no_exiftool)))
        return
    for tool in ("exiftool", "mat2"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not installed; this benchmark compares against it")
    report(run(arguments))


if __name__ == "__main__":
    main()
