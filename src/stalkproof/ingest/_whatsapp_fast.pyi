"""The typed face of the compiled loop (_whatsapp_fast.pyx), for mypy: it may not be built."""

from collections.abc import Iterator
from typing import IO

from stalkproof.ingest.base import Record
from stalkproof.ingest.whatsapp_parse import ChatParser

def parse(parser: ChatParser, stream: IO[bytes]) -> Iterator[Record]: ...
