"""Builds the optional compiled loops: the WhatsApp parse loop (src/stalkproof/ingest/_whatsapp_fast.pyx)
and the JSON exports' split loop (_json_fast.pyx); everything else about the package is in
pyproject.toml. The extensions are optional: without Cython or a C compiler the install still succeeds
and `ChatParser.parse` and jsonsplit run their pure-Python loops, which give the same records (see
docs/ingest-design.md). The generated C stays under build/, out of the source tree.
"""

from __future__ import annotations

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """`optional=True` made to hold whatever the compiler raises: setuptools 84 raises a CompileError of
    another class than the one its own optional check catches (pypa/setuptools#5294)."""

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:
            if not ext.optional:
                raise
            self.warn(f"not building {ext.name} ({error}); the pure-Python loop is used")


def extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:  # the build-system requirement brings it; a plain `setup.py` run may not have it
        return []
    built: list[Extension] = []
    for name in ("_whatsapp_fast", "_json_fast"):
        fast = Extension(
            f"stalkproof.ingest.{name}",
            [f"src/stalkproof/ingest/{name}.pyx"],
            optional=True,  # a failed compile is a warning, not a failed install
        )
        try:
            built += cythonize([fast], build_dir="build/cython", language_level=3, quiet=True)
        except Exception as error:  # a Cython that cannot translate a loop is not fatal either
            print(f"warning: not building {name} ({error}); its pure-Python loop is used")
    for extension in built:
        extension.optional = True  # cythonize's copies do not keep it
    return built


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
