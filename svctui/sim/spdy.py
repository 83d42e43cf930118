"""SPDY/3.1 framing, as far as Kubernetes' streams use it (moby/spdystream, which client-go speaks).

Only what a server end needs: frames parsed from a byte stream that may arrive in any chunks, SYN_REPLY,
DATA (with FIN), PING echoes. Header blocks are zlib-compressed with the SPDY/3 dictionary; each direction
keeps one compression context for the whole connection, so the parser and the writer live as long as it.
No flow control: spdystream neither sends WINDOW_UPDATE nor honours one.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
RST_PROTOCOL_ERROR, RST_CANCEL = 1, 5

# The SPDY/3 draft's header dictionary (section 2.6.10.1): length-prefixed words, then a tail of text.
_WORDS = (
    "options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age "
    "allow authorization cache-control connection content-base content-encoding content-language content-length "
    "content-location content-md5 content-range content-type date etag expect expires from host if-match "
    "if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma "
    "proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade "
    "user-agent vary via warning www-authenticate method get status|200 OK|version|HTTP/1.1|url public set-cookie "
    "keep-alive origin"
)
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 "
    "Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 "
    "Not Found500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept "
    "Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
    "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdch"
    "charset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)


def _dictionary() -> bytes:
    words = [w for part in _WORDS.split("|") for w in ([part] if " " not in part or part == "200 OK" else part.split())]
    return b"".join(struct.pack(">I", len(w)) + w.encode() for w in words) + _TAIL.encode()


DICTIONARY = _dictionary()


class ProtocolError(Exception):
    pass


class Control(NamedTuple):
    type: int
    flags: int
    payload: bytes


class Data(NamedTuple):
    stream_id: int
    flags: int
    data: bytes


class SynStream(NamedTuple):
    stream_id: int
    flags: int
    headers: dict[str, list[str]]


def encode_headers(headers: dict[str, list[str]]) -> bytes:
    out = [struct.pack(">I", len(headers))]
    for name, values in headers.items():
        n, v = name.lower().encode(), "\x00".join(values).encode()
        out += [struct.pack(">I", len(n)), n, struct.pack(">I", len(v)), v]
    return b"".join(out)


def decode_headers(block: bytes) -> dict[str, list[str]]:
    try:
        (count,), i = struct.unpack_from(">I", block), 4
        headers: dict[str, list[str]] = {}
        for _ in range(count):
            (n,) = struct.unpack_from(">I", block, i)
            name = block[i + 4:i + 4 + n].decode()
            i += 4 + n
            (n,) = struct.unpack_from(">I", block, i)
            headers[name] = block[i + 4:i + 4 + n].decode().split("\x00")
            i += 4 + n
    except (struct.error, UnicodeDecodeError) as exc:
        raise ProtocolError(f"bad header block: {exc}") from None
    return headers


class Reader:
    """Bytes in, whole frames out; keeps the peer's header decompression context."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.inflate = zlib.decompressobj(zdict=DICTIONARY)

    def feed(self, data: bytes) -> list[Control | Data | SynStream]:
        self.buf += data
        frames: list[Control | Data | SynStream] = []
        while len(self.buf) >= 8:
            first, second = struct.unpack_from(">II", self.buf)
            length = second & 0xFFFFFF
            if len(self.buf) < 8 + length:
                break
            payload = bytes(self.buf[8:8 + length])
            del self.buf[:8 + length]
            flags = second >> 24
            if not first & 0x80000000:
                frames.append(Data(first & 0x7FFFFFFF, flags, payload))
                continue
            if (first >> 16) & 0x7FFF != VERSION:
                raise ProtocolError(f"unsupported SPDY version {(first >> 16) & 0x7FFF}")
            ftype = first & 0xFFFF
            if ftype == SYN_STREAM:
                if len(payload) < 10:
                    raise ProtocolError("short SYN_STREAM")
                (sid,) = struct.unpack_from(">I", payload)
                frames.append(SynStream(sid & 0x7FFFFFFF, flags, self._headers(payload[10:])))
            else:
                if ftype in (SYN_REPLY, HEADERS) and len(payload) >= 4:
                    self._headers(payload[4:])  # keeps the shared decompression context in step
                frames.append(Control(ftype, flags, payload))
        return frames

    def _headers(self, compressed: bytes) -> dict[str, list[str]]:
        try:
            return decode_headers(self.inflate.decompress(compressed))
        except zlib.error as exc:
            raise ProtocolError(f"header decompression failed: {exc}") from None


class Writer:
    """Frames to bytes; keeps our header compression context."""

    def __init__(self) -> None:
        self.deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, zdict=DICTIONARY)

    @staticmethod
    def control(ftype: int, flags: int, payload: bytes) -> bytes:
        return struct.pack(">HHI", 0x8000 | VERSION, ftype, (flags << 24) | len(payload)) + payload

    def syn_reply(self, stream_id: int, headers: dict[str, list[str]] | None = None, fin: bool = False) -> bytes:
        block = self.deflate.compress(encode_headers(headers or {})) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        return self.control(SYN_REPLY, FLAG_FIN if fin else 0, struct.pack(">I", stream_id) + block)

    def rst_stream(self, stream_id: int, status: int) -> bytes:
        return self.control(RST_STREAM, 0, struct.pack(">II", stream_id, status))

    @staticmethod
    def data(stream_id: int, data: bytes, fin: bool = False) -> bytes:
        out = []
        # A frame's length field has 24 bits.
        for i in range(0, max(len(data), 1), 0xFFFFFF):
            chunk = data[i:i + 0xFFFFFF]
            last = i + 0xFFFFFF >= len(data)
            out.append(struct.pack(">II", stream_id, ((FLAG_FIN if fin and last else 0) << 24) | len(chunk)) + chunk)
        return b"".join(out)
