"""RFC 5734 framing: each EPP document is preceded by a 32-bit big-endian length that counts
the four header bytes themselves. Shared by the client transport and the sandbox server."""

from __future__ import annotations

import socket
import struct

from .results import ProtocolError, RegistryUnavailable

HEADER = struct.Struct("!I")
DEFAULT_MAX_FRAME_SIZE = 4 * 1024 * 1024


class ConnectionClosed(RegistryUnavailable):
    """The peer closed the connection."""


class FrameError(ProtocolError):
    """A length header that no valid frame can have."""


def encode_frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload) + HEADER.size) + payload


def read_exact(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 65536))
        if not chunk:
            raise ConnectionClosed("the connection was closed by the other side")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(sock: socket.socket, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> bytes:
    (total,) = HEADER.unpack(read_exact(sock, HEADER.size))
    if total <= HEADER.size:
        raise FrameError(f"a frame length of {total} bytes leaves no room for a document")
    if total - HEADER.size > max_size:
        raise FrameError(f"a frame of {total} bytes is larger than the {max_size} bytes allowed")
    return read_exact(sock, total - HEADER.size)


def write_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(encode_frame(payload))
