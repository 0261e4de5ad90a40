"""Contacts in a packet recording (pcap or pcapng, from tcpdump, Wireshark, PCAPdroid or a router).

From each packet: the names asked for and answered in DNS (A, AAAA, CNAME), the server name a secure
connection asks for (TLS ClientHello SNI, put back together when it spans several TCP segments), the Host
of a plain HTTP request, and the address and port of every new connection (one contact per direction of a
connection, not one per packet). Link types read: Ethernet, Linux "cooked" v1 and v2, raw IP and the BSD
loopback header; IPv4 and IPv6. A PCAPdroid recording made with its "trailer" option also names the app
behind each packet (a 32-byte trailer after the IP packet: magic 0x01072021, user id, app name).

Packets that cannot be read are counted by reason and skipped, never fatal: pieces of fragmented
packets (not put back together), packets of a link type not listed above, and damaged packets.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from ipaddress import IPv6Address
from pathlib import Path
from typing import Any

import dpkt

from stalkproof.digital.network.capture_file import Record, capture_format, read_records
from stalkproof.digital.network.contact import Contact, How, ReadNotes, from_epoch, host_or_address
from stalkproof.digital.network.dns_message import DnsMessage, parse_dns
from stalkproof.digital.network.payloads import client_hello_length, http_request, server_name

name = "pcap"
expects = "a pcap or pcapng recording (from tcpdump, Wireshark or PCAPdroid)"

_ETHERNET, _LINUX_SLL, _LINUX_SLL2 = 1, 113, 276
_LOOPBACK = (0, 108)  # a four-byte address family before the IP header
_RAW_IP = (101, 12, 14, 228, 229)
_IP_ETHER_TYPES = (0x0800, 0x86DD)
_DNS_PORT = 53
_IPV6_FRAGMENT = 44
_PROTOCOLS = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmp"}
_MOST_PENDING_HELLOS = 4096
_TRANSPORTS = (dpkt.tcp.TCP, dpkt.udp.UDP)
_TRAILER_MAGIC, _TRAILER_SIZE = b"\x01\x07\x20\x21", 32

FlowKey = tuple[str, str, int | None, str, int | None]


def detect(path: Path) -> bool:
    with path.open("rb") as stream:
        return capture_format(stream.read(4)) is not None


def read(path: Path, notes: ReadNotes | None = None) -> Iterator[Contact]:
    notes = notes if notes is not None else ReadNotes()
    decoder = _Decoder(notes)
    for record in read_records(path, notes):
        notes.records += 1
        time = from_epoch(float(record.time)) if record.time is not None else None
        notes.saw(time)
        if record.cut_short:
            notes.skipped["cut_short"] += 1
        try:
            contacts = decoder.contacts(record, time)
        except Exception:  # dpkt raises many kinds of error on hostile bytes: count the packet, skip it
            notes.skipped["undecodable"] += 1
            continue
        yield from contacts


@dataclass
class _PendingHello:
    """A ClientHello longer than its first TCP segment, gathered until the server name shows."""

    next_sequence: int
    data: bytearray
    needed: int


@dataclass(frozen=True, slots=True)
class _Packet:
    number: int
    time: datetime | None
    protocol: str
    source: str
    destination: str
    source_port: int | None
    destination_port: int | None
    payload: bytes
    sequence: int | None
    cut_short: bool
    app: str | None

    @property
    def flow(self) -> FlowKey:
        """One direction of one connection."""
        return (self.protocol, self.source, self.source_port, self.destination, self.destination_port)

    def contact(
        self, how: How, domain: str | None, ip: str | None, client: str, url: str | None = None
    ) -> Contact:
        return Contact(
            time=self.time,
            domain=domain,
            ip=ip,
            port=self.destination_port,
            protocol=self.protocol,
            app=self.app,
            how=how,
            source=f"packet {self.number}",
            client=client,
            url=url,
        )


class _Decoder:
    """Packet-by-packet state: connections already seen, and ClientHellos still being put together."""

    def __init__(self, notes: ReadNotes) -> None:
        self.notes = notes
        self.payload_seen: dict[FlowKey, bool] = {}
        self.pending: dict[FlowKey, _PendingHello] = {}

    def contacts(self, record: Record, time: datetime | None) -> list[Contact]:
        packet = self._packet(record, time)
        if packet is None:
            return []
        found: list[Contact] = []
        key = packet.flow
        first_payload = False
        if key not in self.payload_seen:
            self.payload_seen[key] = False
            found.append(packet.contact("ip", None, packet.destination, packet.source))
        if packet.payload and not self.payload_seen[key]:
            self.payload_seen[key] = first_payload = True
        if _DNS_PORT in (packet.source_port, packet.destination_port):
            found.extend(self._dns(packet))
        elif packet.protocol == "tcp" and packet.payload:
            found.extend(self._tcp_names(packet, key, first_payload))
        return found

    def _packet(self, record: Record, time: datetime | None) -> _Packet | None:
        layer = self._network_layer(record)
        if layer is None:
            return None
        if isinstance(layer, dpkt.ip.IP):
            if layer.mf or layer.offset:
                self.notes.skipped["fragmented"] += 1
                return None
            source, destination = socket.inet_ntoa(layer.src), socket.inet_ntoa(layer.dst)
        else:
            fragment = layer.extension_hdrs.get(_IPV6_FRAGMENT)
            if fragment is not None and (fragment.frag_off or fragment.m_flag):
                self.notes.skipped["fragmented"] += 1
                return None
            # The same text as the indicator lists' (ipaddress), which inet_ntop does not promise for IPv6.
            source, destination = str(IPv6Address(layer.src)), str(IPv6Address(layer.dst))
        transport = layer.data
        protocol = _PROTOCOLS.get(int(layer.p), f"ip protocol {layer.p}")
        ports: tuple[int | None, int | None] = (None, None)
        payload, sequence = b"", None
        if isinstance(transport, _TRANSPORTS):
            ports = (int(transport.sport), int(transport.dport))
            payload = bytes(transport.data)
            sequence = int(transport.seq) if isinstance(transport, dpkt.tcp.TCP) else None
        return _Packet(
            record.number,
            time,
            protocol,
            source,
            destination,
            ports[0],
            ports[1],
            payload,
            sequence,
            record.cut_short,
            _trailer_app(record),
        )

    def _network_layer(self, record: Record) -> Any | None:
        """The IPv4 or IPv6 layer of the packet, or None for other traffic (ARP and the like)."""
        kind, data = record.link_type, record.data
        if kind == _ETHERNET:
            frame = dpkt.ethernet.Ethernet(data)
            claimed = frame.type in _IP_ETHER_TYPES
        elif kind in (_LINUX_SLL, _LINUX_SLL2):
            frame = (dpkt.sll.SLL if kind == _LINUX_SLL else dpkt.sll2.SLL2)(data)
            claimed = frame.ethtype in _IP_ETHER_TYPES
        elif kind in _LOOPBACK or kind in _RAW_IP:
            return _raw_ip(data[4:] if kind in _LOOPBACK else data, self.notes, record.cut_short)
        else:
            self.notes.unsupported_link_types.add(kind)
            self.notes.skipped["link_type"] += 1
            return None
        layer = frame.data
        if isinstance(layer, dpkt.ip.IP | dpkt.ip6.IP6):
            return layer
        if claimed and not record.cut_short:
            self.notes.skipped["undecodable"] += 1
        return None

    def _dns(self, packet: _Packet) -> list[Contact]:
        data = packet.payload[2:] if packet.protocol == "tcp" else packet.payload
        if not data:
            return []
        message = parse_dns(data)
        if message is None:
            if not packet.cut_short:
                self.notes.skipped["undecodable"] += 1
            return []
        return _dns_contacts(packet, message)

    def _tcp_names(self, packet: _Packet, key: FlowKey, first_payload: bool) -> list[Contact]:
        request = http_request(packet.payload)
        if request is not None:
            domain, _ = host_or_address(request.host)
            return (
                [packet.contact("http_host", domain, packet.destination, packet.source, url=request.url)]
                if domain
                else []
            )
        hello = self._client_hello(packet, key, first_payload)
        if hello is None:
            return []
        domain, _ = host_or_address(hello)
        return [packet.contact("sni", domain, packet.destination, packet.source)] if domain else []

    def _client_hello(self, packet: _Packet, key: FlowKey, first_payload: bool) -> str | None:
        """The SNI once the ClientHello is complete enough to hold it (it may span several segments)."""
        pending = self.pending.get(key)
        if pending is not None and packet.sequence is not None:
            if packet.sequence != pending.next_sequence:
                return None  # a retransmission or a gap: wait for the segment that follows
            pending.data += packet.payload
            pending.next_sequence = (pending.next_sequence + len(packet.payload)) & 0xFFFFFFFF
            found = server_name(bytes(pending.data))
            if found is not None or len(pending.data) >= pending.needed:
                del self.pending[key]
            return found
        if not first_payload:
            return None
        needed = client_hello_length(packet.payload)
        if needed is None:
            return None
        found = server_name(packet.payload)
        if found is None and len(packet.payload) < needed and packet.sequence is not None:
            if len(self.pending) >= _MOST_PENDING_HELLOS:
                del self.pending[next(iter(self.pending))]
            following = (packet.sequence + len(packet.payload)) & 0xFFFFFFFF
            self.pending[key] = _PendingHello(following, bytearray(packet.payload), needed)
        return found


def _trailer_app(record: Record) -> str | None:
    """The app PCAPdroid's trailer names for this packet, if the recording has its trailers."""
    data = record.data
    if record.link_type != _ETHERNET or len(data) < 14 + _TRAILER_SIZE:
        return None
    trailer = data[-_TRAILER_SIZE:]
    if trailer[:4] != _TRAILER_MAGIC:
        return None
    name = trailer[8:28].split(b"\0", 1)[0].decode("utf-8", errors="replace").strip()
    return name or f"the app with user id {int.from_bytes(trailer[4:8], 'big', signed=True)}"


def _raw_ip(data: bytes, notes: ReadNotes, cut_short: bool) -> Any | None:
    version = data[0] >> 4 if data else 0
    if version == 4:
        return dpkt.ip.IP(data)
    if version == 6:
        return dpkt.ip6.IP6(data)
    if not cut_short:
        notes.skipped["undecodable"] += 1
    return None


def _dns_contacts(packet: _Packet, message: DnsMessage) -> list[Contact]:
    """Questions asked; for answers, each name with the address it was given, and CNAME targets."""
    if not message.is_response:
        return _named(packet, packet.source, [(question, None) for question in message.questions])
    asked = message.questions[0] if message.questions else None
    pairs: list[tuple[str, str | None]] = []
    for answer in message.answers:
        if answer.address is not None:
            # The name first asked for is the one a connection to this address was meant for.
            pairs.extend((name, answer.address) for name in dict.fromkeys(filter(None, (asked, answer.name))))
        elif answer.alias is not None:
            pairs.extend([(answer.name, None), (answer.alias, None)])
    if not pairs:
        pairs = [(question, None) for question in message.questions]
    return _named(packet, packet.destination, pairs)


def _named(packet: _Packet, client: str, pairs: list[tuple[str, str | None]]) -> list[Contact]:
    contacts = []
    for text, answer_address in dict.fromkeys(pairs):
        domain, _ = host_or_address(text)
        if domain is not None:
            contacts.append(packet.contact("dns", domain, answer_address, client))
    return contacts
