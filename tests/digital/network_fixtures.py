"""Synthetic network recordings for the network check, written by test code (nothing committed).

One fictional phone (192.0.2.10) on a home network (resolver 192.0.2.53) makes, in order:
- a DNS lookup of protocol-a.copy9.com (a TheTruthSpy server in Echap's ioc.yaml) and its answer, then
  the same lookup a minute later (three DNS contacts that must make one alert);
- a secure (TLS) connection whose ClientHello names thetruthspy.com (the vendor's website);
- a plain HTTP request for an APK with Host app.xpspy.com (a TheTruthSpy download site);
- a lookup and a TLS connection for notcopy9.com, which must NOT match copy9.com;
- a lookup and a TLS connection for www.example.net, the clean control.
Addresses are from the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import dpkt

PHONE = "192.0.2.10"
RESOLVER = "192.0.2.53"
C2_NAME = "protocol-a.copy9.com"
C2_ADDRESS = "198.51.100.20"
WEBSITE = "thetruthspy.com"
DISTRIBUTION = "app.xpspy.com"
DECOY = "notcopy9.com"
CLEAN = "www.example.net"
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC).timestamp()

Frame = tuple[float, bytes]  # (seconds since 1970, the packet's bytes at its link layer)

ETHERNET, RAW_IP, NULL, LOOP, LINUX_SLL, LINUX_SLL2, IEEE802_11 = 1, 101, 0, 108, 113, 276, 105


# --- packet builders ------------------------------------------------------------------------------


def dns_message(
    name: str, response: bool = False, address: str | None = None, alias: str | None = None, ident: int = 7
) -> bytes:
    """A DNS query for `name`, or its response answering with an alias (CNAME) and/or an address."""
    answers: list[dpkt.dns.DNS.RR] = []
    owner = name
    if alias:
        answers.append(dpkt.dns.DNS.RR(name=name, type=dpkt.dns.DNS_CNAME, cls=1, ttl=60, cname=alias))
        owner = alias
    if address:
        ip = ipaddress.ip_address(address)
        kind = dpkt.dns.DNS_A if ip.version == 4 else dpkt.dns.DNS_AAAA
        answers.append(dpkt.dns.DNS.RR(name=owner, type=kind, cls=1, ttl=60, rdata=ip.packed))
    message = dpkt.dns.DNS(
        id=ident,
        qr=dpkt.dns.DNS_R if response else dpkt.dns.DNS_Q,
        qd=[dpkt.dns.DNS.Q(name=name, type=dpkt.dns.DNS_A, cls=1)],
        an=answers,
    )
    return bytes(message)


def client_hello(server_name: str, padding: int = 0) -> bytes:
    """A TLS 1.2-style ClientHello record asking for `server_name`; `padding` bytes of a padding
    extension come before the server name, so a large value pushes it into a later TCP segment."""
    name = server_name.encode("ascii")
    entry = b"\x00" + struct.pack(">H", len(name)) + name
    sni = struct.pack(">HHH", 0x0000, len(entry) + 2, len(entry)) + entry
    pad = struct.pack(">HH", 0x0015, padding) + b"\x00" * padding if padding else b""
    extensions = pad + sni
    body = (
        b"\x03\x03"
        + bytes(range(32))
        + b"\x00"
        + struct.pack(">H", 2)
        + b"\x13\x01"
        + b"\x01\x00"
        + struct.pack(">H", len(extensions))
        + extensions
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(handshake)) + handshake


def http_get(host: str, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: fixture\r\n\r\n".encode("ascii")


def ip_packet(
    source: str, destination: str, transport: dpkt.Packet, protocol: int, **fields: int
) -> dpkt.Packet:
    """An IPv4 or IPv6 packet (by the addresses' version) carrying `transport`."""
    if ipaddress.ip_address(source).version == 6:
        packet6 = dpkt.ip6.IP6(
            src=socket.inet_pton(socket.AF_INET6, source),
            dst=socket.inet_pton(socket.AF_INET6, destination),
            nxt=protocol,
            hlim=64,
            data=transport,
        )
        packet6.plen = len(bytes(transport))
        return packet6
    packet = dpkt.ip.IP(
        src=socket.inet_aton(source),
        dst=socket.inet_aton(destination),
        p=protocol,
        ttl=64,
        data=transport,
        **fields,
    )
    packet.len = len(bytes(packet))
    return packet


def udp(source: str, destination: str, sport: int, dport: int, payload: bytes) -> dpkt.Packet:
    datagram = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    datagram.ulen = len(datagram)
    return ip_packet(source, destination, datagram, dpkt.ip.IP_PROTO_UDP)


def tcp(
    source: str,
    destination: str,
    sport: int,
    dport: int,
    payload: bytes = b"",
    seq: int = 1000,
    syn: bool = False,
) -> dpkt.Packet:
    flags = dpkt.tcp.TH_SYN if syn else dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH
    segment = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, flags=flags, data=payload)
    return ip_packet(source, destination, segment, dpkt.ip.IP_PROTO_TCP)


def with_pcapdroid_trailer(frame: bytes, app: str, uid: int = 10123) -> bytes:
    """An Ethernet frame with the trailer PCAPdroid appends when its "trailer" option is on."""
    padding = b"\x00" * (-len(frame) % 4)
    trailer = b"\x01\x07\x20\x21" + struct.pack(">i", uid) + app.encode()[:19].ljust(20, b"\x00")
    return frame + padding + trailer + b"\x00\x00\x00\x00"  # the last four: a checksum nobody reads here


def link(packet: dpkt.Packet, link_type: int = ETHERNET) -> bytes:
    """`packet` behind the link-layer header of `link_type`."""
    raw = bytes(packet)
    ether_type = dpkt.ethernet.ETH_TYPE_IP6 if isinstance(packet, dpkt.ip6.IP6) else dpkt.ethernet.ETH_TYPE_IP
    if link_type == ETHERNET:
        frame = dpkt.ethernet.Ethernet(
            src=b"\x02\x00\x00\x00\x00\x0a", dst=b"\x02\x00\x00\x00\x00\x01", type=ether_type, data=raw
        )
        return bytes(frame)
    if link_type == LINUX_SLL:
        return (
            bytes(
                dpkt.sll.SLL(
                    type=4, hrd=1, hlen=6, hdr=b"\x02\x00\x00\x00\x00\x0a\x00\x00", ethtype=ether_type
                )
            )
            + raw
        )
    if link_type == LINUX_SLL2:
        return bytes(dpkt.sll2.SLL2(ethtype=ether_type, intindex=1, type=4)) + raw
    family = 30 if ether_type == dpkt.ethernet.ETH_TYPE_IP6 else 2  # BSD AF_INET6 / AF_INET
    if link_type == NULL:
        return struct.pack("<I", family) + raw
    if link_type == LOOP:
        return struct.pack(">I", family) + raw
    return raw


# --- the scenario ------------------------------------------------------------------------------------


def scenario_packets() -> list[tuple[float, dpkt.Packet]]:
    """The fictional phone's traffic, as IP packets with their times."""
    t = START
    return [
        (t, udp(PHONE, RESOLVER, 40001, 53, dns_message(C2_NAME, ident=1))),
        (t + 0.05, udp(RESOLVER, PHONE, 53, 40001, dns_message(C2_NAME, True, C2_ADDRESS, ident=1))),
        (t + 0.10, tcp(PHONE, C2_ADDRESS, 50001, 443, syn=True)),
        (t + 60, udp(PHONE, RESOLVER, 40002, 53, dns_message(C2_NAME, ident=2))),
        (t + 120, tcp(PHONE, "198.51.100.30", 50002, 443, client_hello(WEBSITE))),
        (t + 180, tcp(PHONE, "198.51.100.40", 50003, 80, http_get(DISTRIBUTION, "/download/app.apk"))),
        (t + 240, udp(PHONE, RESOLVER, 40003, 53, dns_message(DECOY, ident=3))),
        (t + 241, tcp(PHONE, "198.51.100.50", 50004, 443, client_hello(DECOY))),
        (t + 300, udp(PHONE, RESOLVER, 40004, 53, dns_message(CLEAN, ident=4))),
        (t + 300.05, udp(RESOLVER, PHONE, 53, 40004, dns_message(CLEAN, True, "192.0.2.80", ident=4))),
        (t + 301, tcp(PHONE, "192.0.2.80", 50005, 443, client_hello(CLEAN))),
    ]


def scenario_frames(link_type: int = ETHERNET) -> list[Frame]:
    return [(time, link(packet, link_type)) for time, packet in scenario_packets()]


def write_pcap(path: Path, frames: Sequence[Frame], link_type: int = ETHERNET, nano: bool = False) -> Path:
    with path.open("wb") as stream:
        writer = dpkt.pcap.Writer(stream, snaplen=65535, linktype=link_type, nano=nano)
        for time, frame in frames:
            writer.writepkt(frame, ts=time)
    return path


def write_pcapng(path: Path, frames: Sequence[Frame], link_type: int = ETHERNET) -> Path:
    with path.open("wb") as stream:
        writer = dpkt.pcapng.Writer(stream, snaplen=65535, linktype=link_type)
        for time, frame in frames:
            writer.writepkt(frame, ts=time)
    return path


def split_client_hello_frames(server_name: str, first_segment: int = 1000) -> list[Frame]:
    """A ClientHello too big for one TCP segment (as with post-quantum key shares), sent in two."""
    hello = client_hello(server_name, padding=1500)
    first, second = hello[:first_segment], hello[first_segment:]
    return [
        (START, link(tcp(PHONE, "198.51.100.60", 50010, 443, syn=True, seq=999))),
        (START + 0.01, link(tcp(PHONE, "198.51.100.60", 50010, 443, first, seq=1000))),
        (START + 0.02, link(tcp(PHONE, "198.51.100.60", 50010, 443, second, seq=1000 + len(first)))),
    ]


# --- logs --------------------------------------------------------------------------------------------

# Zeek's dns.log columns with their types, as Zeek writes them in the `#fields` and `#types` lines.
ZEEK_COLUMNS = [
    ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"), ("id.resp_h", "addr"),
    ("id.resp_p", "port"), ("proto", "enum"), ("trans_id", "count"), ("rtt", "interval"), ("query", "string"),
    ("qclass", "count"), ("qclass_name", "string"), ("qtype", "count"), ("qtype_name", "string"),
    ("rcode", "count"), ("rcode_name", "string"), ("AA", "bool"), ("TC", "bool"), ("RD", "bool"),
    ("RA", "bool"), ("Z", "count"), ("answers", "vector[string]"), ("TTLs", "vector[interval]"),
    ("rejected", "bool"),
]  # fmt: skip
ZEEK_FIELDS = [field for field, _ in ZEEK_COLUMNS]
ZEEK_TYPES = [kind for _, kind in ZEEK_COLUMNS]


def zeek_rows() -> list[dict[str, object]]:
    """Lookups as Zeek logs them: the C2 name (twice), the overlap name copy9.com, the decoy, the control."""

    def row(offset: float, uid: str, query: str, answers: list[str]) -> dict[str, object]:
        return {
            "ts": START + offset,
            "uid": uid,
            "id.orig_h": PHONE,
            "id.orig_p": 40000 + int(offset),
            "id.resp_h": RESOLVER,
            "id.resp_p": 53,
            "proto": "udp",
            "query": query,
            "qtype_name": "A",
            "rcode_name": "NOERROR",
            "answers": answers,
        }

    return [
        row(0, "CmES5u32sYpV7JYN", C2_NAME, [C2_ADDRESS]),
        row(30, "CmES5u32sYpV7JYO", C2_NAME, [C2_ADDRESS]),
        row(60, "CmES5u32sYpV7JYP", "copy9.com", ["198.51.100.21"]),
        row(90, "CmES5u32sYpV7JYQ", DECOY, []),
        row(120, "CmES5u32sYpV7JYR", CLEAN, ["cdn.example.net", "192.0.2.80"]),
    ]


def write_zeek_tsv(
    path: Path, rows: Sequence[dict[str, object]] | None = None, log_path: str = "dns"
) -> Path:
    lines = [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        f"#path\t{log_path}",
        "#open\t2026-03-02-09-00-00",
        "#fields\t" + "\t".join(ZEEK_FIELDS),
        "#types\t" + "\t".join(ZEEK_TYPES),
    ]
    for row in zeek_rows() if rows is None else rows:
        cells = []
        for field in ZEEK_FIELDS:
            value = row.get(field)
            if isinstance(value, list):
                cells.append(",".join(value) if value else "(empty)")
            elif isinstance(value, float):
                cells.append(f"{value:.6f}")
            else:
                cells.append("-" if value is None else str(value))
        lines.append("\t".join(cells))
    lines.append("#close\t2026-03-02-10-00-00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_zeek_json(path: Path, iso_times: bool = False) -> Path:
    import json

    lines = []
    for row in zeek_rows():
        entry = {key: value for key, value in row.items() if value != []}
        if iso_times:
            entry["ts"] = (
                datetime.fromtimestamp(float(str(row["ts"])), tz=UTC).isoformat().replace("+00:00", "Z")
            )
        lines.append(json.dumps(entry))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


PCAPDROID_HEADER = (
    "IPProto,SrcIP,SrcPort,DstIp,DstPort,UID,App,Proto,Status,Info,BytesSent,BytesRcvd,PktsSent,PktsRcvd,"
    "FirstSeen,LastSeen"
)


def pcapdroid_rows() -> list[dict[str, str]]:
    """Connections as PCAPdroid lists them: FirstSeen/LastSeen in milliseconds since 1970."""

    def row(
        offset: int, app: str, uid: str, proto: str, address: str, port: int, info: str
    ) -> dict[str, str]:
        first = int((START + offset) * 1000)
        return {
            "IPProto": "TCP" if port != 53 else "UDP",
            "SrcIP": "10.215.173.1",
            "SrcPort": str(41000 + offset),
            "DstIp": address,
            "DstPort": str(port),
            "UID": uid,
            "App": app,
            "Proto": proto,
            "Status": "Closed",
            "Info": info,
            "BytesSent": "517",
            "BytesRcvd": "4096",
            "PktsSent": "5",
            "PktsRcvd": "6",
            "FirstSeen": str(first),
            "LastSeen": str(first + 2000),
        }

    return [
        row(0, "com.example.app", "10123", "TLS", C2_ADDRESS, 443, C2_NAME),
        row(60, "com.example.app", "10123", "TLS", C2_ADDRESS, 443, C2_NAME),
        row(120, "com.android.chrome", "10087", "TLS", "198.51.100.30", 443, WEBSITE),
        row(180, "Notes, Lists & More", "10200", "TLS", "198.51.100.50", 443, DECOY),
        row(240, "com.android.chrome", "10087", "TLS", "192.0.2.80", 443, CLEAN),
    ]


def write_pcapdroid(path: Path, columns: Sequence[str] | None = None, lower_case: bool = False) -> Path:
    """The export; `columns` reorders (or leaves out) columns, `lower_case` changes the header's case."""
    chosen = list(columns) if columns is not None else PCAPDROID_HEADER.split(",")
    header = ",".join(column.lower() if lower_case else column for column in chosen)
    lines = [header] + [",".join(row[column] for column in chosen) for row in pcapdroid_rows()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_pcap_records(
    path: Path, records: Sequence[tuple[float, bytes, int]], link_type: int = ETHERNET
) -> Path:
    """A little-endian pcap whose records say how long each packet really was (`original` bytes), so a
    record can hold less than the packet, as when the recording's snapshot length was short."""
    with path.open("wb") as stream:
        stream.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link_type))
        for time, data, original in records:
            seconds = int(time)
            stream.write(struct.pack("<IIII", seconds, int((time - seconds) * 1e6), len(data), original))
            stream.write(data)
    return path
