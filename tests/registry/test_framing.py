"""RFC 5734 framing over real sockets."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from registry.epp.framing import ConnectionClosed, FrameError, encode_frame, read_frame, write_frame


@pytest.fixture
def socket_pair():
    left, right = socket.socketpair()
    right.settimeout(5)
    yield left, right
    left.close()
    right.close()


def test_the_length_header_is_big_endian_and_counts_itself():
    framed = encode_frame(b"<epp/>")
    assert framed[:4] == struct.pack("!I", 10)
    assert framed[4:] == b"<epp/>"


def test_frames_arrive_whole_however_the_bytes_are_split(socket_pair):
    left, right = socket_pair
    first = b"<epp>" + b"x" * 200_000 + b"</epp>"
    second = b"<epp><hello/></epp>"
    stream = encode_frame(first) + encode_frame(second)

    def dribble() -> None:
        for start in range(0, len(stream), 4093):
            left.sendall(stream[start : start + 4093])

    writer = threading.Thread(target=dribble)
    writer.start()
    assert read_frame(right) == first
    assert read_frame(right) == second
    writer.join()


def test_write_frame_and_read_frame_agree(socket_pair):
    left, right = socket_pair
    write_frame(left, "<epp>zażółć</epp>".encode())
    assert read_frame(right).decode() == "<epp>zażółć</epp>"


def test_a_frame_above_the_limit_is_refused_before_it_is_read(socket_pair):
    left, right = socket_pair
    left.sendall(struct.pack("!I", 10 * 1024 * 1024))
    with pytest.raises(FrameError, match="larger than the 1024 bytes allowed"):
        read_frame(right, max_size=1024)


@pytest.mark.parametrize("length", [0, 3, 4])
def test_a_length_with_no_room_for_a_document_is_refused(socket_pair, length):
    left, right = socket_pair
    left.sendall(struct.pack("!I", length))
    with pytest.raises(FrameError):
        read_frame(right)


def test_a_connection_closed_in_the_middle_of_a_frame_is_reported(socket_pair):
    left, right = socket_pair
    left.sendall(struct.pack("!I", 104) + b"<epp>")
    left.close()
    with pytest.raises(ConnectionClosed):
        read_frame(right)
