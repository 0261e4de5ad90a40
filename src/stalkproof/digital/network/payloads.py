"""Names in the first bytes a device sends on a connection: the server name of a TLS ClientHello (SNI)
and the Host of a plain HTTP request.

Both readers take whatever bytes are there, however few, and answer None rather than raising: a packet
cut short, or a ClientHello split across several TCP segments, is normal.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_TLS_HANDSHAKE, _CLIENT_HELLO, _SERVER_NAME_EXTENSION, _HOST_NAME = 0x16, 0x01, 0x0000, 0
_HTTP_METHODS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ")
_MOST_HEADER_BYTES = 16384


def client_hello_length(data: bytes) -> int | None:
    """How many bytes the TLS record holding a ClientHello takes, if `data` starts with one."""
    if len(data) < 6 or data[0] != _TLS_HANDSHAKE or data[1] != 0x03 or data[5] != _CLIENT_HELLO:
        return None
    return 5 + int.from_bytes(data[3:5], "big")


def server_name(data: bytes) -> str | None:
    """The host name a TLS ClientHello asks for, or None if it has none (or not within `data`)."""
    if client_hello_length(data) is None:
        return None
    # record header (5), handshake type and length (4), client version (2), random (32)
    position = 5 + 4 + 2 + 32
    position = _skip(data, position, 1)  # session id
    position = _skip(data, position, 2)  # cipher suites
    position = _skip(data, position, 1)  # compression methods
    if position < 0 or position + 2 > len(data):
        return None
    position += 2  # the extensions' total length: the walk below stops at the end of the data instead
    while position + 4 <= len(data):
        kind, length = struct.unpack(">HH", data[position : position + 4])
        body = data[position + 4 : position + 4 + length]
        if kind == _SERVER_NAME_EXTENSION:
            return _host_name(body)
        position += 4 + length
    return None


def _skip(data: bytes, position: int, size_bytes: int) -> int:
    """The position after a field prefixed by its length in `size_bytes` bytes; -1 past the end."""
    if position < 0 or position + size_bytes > len(data):
        return -1
    length = int.from_bytes(data[position : position + size_bytes], "big")
    return position + size_bytes + length


def _host_name(body: bytes) -> str | None:
    position = 2  # the list's length
    while position + 3 <= len(body):
        kind = body[position]
        length = int.from_bytes(body[position + 1 : position + 3], "big")
        name = body[position + 3 : position + 3 + length]
        if kind == _HOST_NAME and len(name) == length:
            try:
                return name.decode("ascii")
            except UnicodeDecodeError:
                return None
        position += 3 + length
    return None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    host: str
    target: str

    @property
    def url(self) -> str:
        """The address asked for, as a browser would show it."""
        if self.target.startswith("/"):
            return f"http://{self.host}{self.target}"
        return self.target


def http_request(data: bytes) -> HttpRequest | None:
    """The Host (and the path asked for) of a plain HTTP request starting `data`, or None."""
    if not data.startswith(_HTTP_METHODS):
        return None
    head = data[:_MOST_HEADER_BYTES].split(b"\r\n\r\n", 1)[0]
    lines = head.decode("latin-1").split("\r\n")
    request = lines[0].split(" ")
    if len(request) < 2:
        return None
    method, target = request[0], request[1]
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "host" and value.strip():
            return HttpRequest(_without_port(value.strip()), target)
    if method == "CONNECT":
        return HttpRequest(_without_port(target), target)
    if target.startswith("http://"):
        return HttpRequest(_without_port(target[7:].split("/", 1)[0]), target)
    return None


def _without_port(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host
