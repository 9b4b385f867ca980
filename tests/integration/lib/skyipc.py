"""A small client for skygate's CLI socket (lib/ipc.h framing), so tests can
hold several sessions at once and send malformed frames on purpose.

Frame: version u8 (1), type u8, reserved u16 (0), length u32, payload;
all big-endian.  A request is answered by OUTPUT frames and one DONE.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

VERSION = 1
REQUEST, OUTPUT, DONE, COMPLETE, LOAD = 1, 2, 3, 4, 5
STATUS_OK, STATUS_ERROR, STATUS_CLOSE = 0, 1, 2
HEADER = struct.Struct("!BBHI")


@dataclass
class Reply:
    status: int
    output: str
    prompt: str

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK


def frame(ftype: int, payload: bytes, version: int = VERSION, reserved: int = 0,
          length: int | None = None) -> bytes:
    """One frame; version/reserved/length can be forced to test the server."""
    return HEADER.pack(version, ftype, reserved,
                       len(payload) if length is None else length) + payload


class Session:
    """One CLI session: a connection to RUNDIR/routed.sock."""

    def __init__(self, path: str, timeout: float = 10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _recv_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("server closed the session")
            data += chunk
        return data

    def read_reply(self) -> Reply:
        output = []
        while True:
            version, ftype, reserved, length = HEADER.unpack(self._recv_exact(HEADER.size))
            assert version == VERSION and reserved == 0, (version, reserved)
            payload = self._recv_exact(length)
            if ftype == OUTPUT:
                output.append(payload.decode())
            elif ftype == DONE:
                status, plen = payload[0], payload[1]
                assert len(payload) == 2 + plen
                return Reply(status, "".join(output), payload[2:].decode())
            else:
                raise AssertionError(f"unexpected frame type {ftype} from server")

    def run(self, line: str) -> Reply:
        self.sock.sendall(frame(REQUEST, line.encode()))
        return self.read_reply()

    def complete(self, before_cursor: str) -> list[tuple[str, str, str]]:
        """[(kind 'k'|'v', word, help)] for the text before the cursor."""
        self.sock.sendall(frame(COMPLETE, before_cursor.encode()))
        reply = self.read_reply()
        assert reply.ok, reply
        return [tuple(line.split("\t", 2)) for line in reply.output.splitlines()]

    def load(self, name: str, text: str) -> Reply:
        self.sock.sendall(frame(LOAD, name.encode() + b"\0" + text.encode()))
        return self.read_reply()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def closed_by_server(self) -> bool:
        """True once the server has closed this connection."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
