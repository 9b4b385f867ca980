"""A scripted BGP peer: `python3 -m lib.scriptpeer LOCAL REMOTE ASN` opens a session advertising enhanced route refresh (RFC
7313) and extended messages (RFC 8654), then runs one command per stdin
line and answers each with one JSON line on stdout:

  caps                  the capability codes of the other side's OPEN
  open                  its OPEN's 2-octet My AS field and AS4 capability
  drain                 read until the other side's IPv4 End-of-RIB
  announce P [P ...]    one UPDATE announcing the prefixes (next hop LOCAL)
  announce-via NH P ... the same with next hop NH
  withdraw P [P ...]    one UPDATE withdrawing the prefixes
  borr | eorr           a BoRR / EoRR for IPv4 unicast
  refresh               send a ROUTE-REFRESH (normal) and read the answer up
                        to its EoRR: the message kinds and announced prefixes
  expect-refresh        wait for a ROUTE-REFRESH from the other side
  quiet S               read for S seconds: the kinds of what arrived (to show
                        that something, a ROUTE-REFRESH say, did not)
  await P               wait for an UPDATE announcing or withdrawing P; how
                        long it took (seconds) and which
  bigupdate N           one UPDATE with N /32s from 198.18.128.0/17 (its
                        length is reported; above 4096 it needs RFC 8654)

Runs inside a test namespace through `ip netns exec`."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from lib.rawbgp import (CAP_ENHANCED_REFRESH, CAP_EXTENDED_MESSAGE, KEEPALIVE, UPDATE, RawPeer,
                        as_path, message, next_hop, nlri, origin, update)

ROUTE_REFRESH = 5
SUBTYPE_NAMES = {0: "refresh", 1: "borr", 2: "eorr"}


def refresh_msg(subtype: int, afi: int = 1, safi: int = 1) -> bytes:
    return message(ROUTE_REFRESH, struct.pack("!HBB", afi, subtype, safi))


def ipv4_nlri(data: bytes) -> list[str]:
    out = []
    while data:
        plen = data[0]
        n = (plen + 7) // 8
        addr = data[1:1 + n] + bytes(4 - n)
        out.append(f"{socket.inet_ntoa(addr)}/{plen}")
        data = data[1 + n:]
    return out


def describe(mtype: int, body: bytes) -> dict:
    if mtype == ROUTE_REFRESH:
        return {"kind": SUBTYPE_NAMES.get(body[2], f"subtype-{body[2]}")}
    if mtype == UPDATE:
        wlen = struct.unpack("!H", body[:2])[0]
        alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
        if wlen == 0 and alen == 0 and len(body) == 4:
            return {"kind": "end-of-rib"}
        return {"kind": "update", "withdrawn": ipv4_nlri(body[2:2 + wlen]),
                "announced": ipv4_nlri(body[4 + wlen + alen:])}
    return {"kind": f"type-{mtype}"}


def open_as4(body: bytes) -> int | None:
    """The AS4 capability's value in an OPEN body (RFC 6793 section 3)."""
    params = body[10:10 + body[9]]
    while len(params) >= 2:
        ptype, plen, value = params[0], params[1], params[2:2 + params[1]]
        params = params[2 + plen:]
        while ptype == 2 and len(value) >= 2:
            if value[0] == 65 and value[1] == 4:
                return struct.unpack("!I", value[2:6])[0]
            value = value[2 + value[1]:]
    return None


def read_until(peer: RawPeer, stop) -> list[dict]:
    seen = []
    while True:
        mtype, body = peer.read()
        if mtype == KEEPALIVE:
            continue
        d = describe(mtype, body)
        seen.append(d)
        if stop(d):
            return seen


def read_for(peer: RawPeer, seconds: float) -> list[str]:
    """The kinds of the messages (KEEPALIVEs left out) that arrive within
    seconds."""
    kinds = []
    deadline = time.monotonic() + seconds
    try:
        while (left := deadline - time.monotonic()) > 0:
            peer.sock.settimeout(left)
            mtype, body = peer.read()
            if mtype != KEEPALIVE:
                kinds.append(describe(mtype, body)["kind"])
    except (socket.timeout, TimeoutError):
        pass
    finally:
        peer.sock.settimeout(15.0)
    return kinds


class ScriptedPeer:
    """The test's end: starts the scripted peer in namespace ns and runs
    commands on it, one JSON answer each."""

    def __init__(self, ns, local: str, remote: str, asn: int):
        here = Path(__file__).resolve().parent.parent
        self.proc = ns.popen(["/usr/bin/python3", "-m", "lib.scriptpeer", local, remote, str(asn)],
                             cwd=str(here), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, line: str) -> dict:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = self.proc.stdout.readline()
        assert out, f"scripted peer ended (exit {self.proc.poll()}) at {line!r}"
        return json.loads(out)

    def close(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main(argv: list[str]) -> int:
    local, remote, asn = argv[1], argv[2], int(argv[3])
    caps = bytes([CAP_ENHANCED_REFRESH, 0, CAP_EXTENDED_MESSAGE, 0])
    peer = RawPeer(local, remote, asn, extra_caps=caps)
    peer.sock.settimeout(15.0)
    attrs = origin() + as_path(asn) + next_hop(local)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd, args = words[0], words[1:]
        result: dict = {"cmd": cmd}
        if cmd == "caps":
            result["codes"] = peer.their_caps
        elif cmd == "open":
            result["my_as"] = struct.unpack("!H", peer.their_open[1:3])[0]
            result["as4"] = open_as4(peer.their_open)
        elif cmd == "drain":
            result["seen"] = read_until(peer, lambda d: d["kind"] == "end-of-rib")
        elif cmd == "announce":
            peer.send(update(attrs=attrs, nlri_bytes=b"".join(nlri(p) for p in args)))
        elif cmd == "withdraw":
            peer.send(update(withdrawn=b"".join(nlri(p) for p in args)))
        elif cmd == "announce-via":
            via = origin() + as_path(asn) + next_hop(args[0])
            peer.send(update(attrs=via, nlri_bytes=b"".join(nlri(p) for p in args[1:])))
        elif cmd in ("borr", "eorr"):
            peer.send(refresh_msg(1 if cmd == "borr" else 2))
        elif cmd == "refresh":
            peer.send(refresh_msg(0))
            result["seen"] = read_until(peer, lambda d: d["kind"] == "eorr")
        elif cmd == "await":
            started = time.monotonic()
            seen = read_until(peer, lambda d: args[0] in d.get("announced", []) + d.get("withdrawn", []))
            result["seconds"] = time.monotonic() - started
            result["kind"] = "announced" if args[0] in seen[-1].get("announced", []) else "withdrawn"
        elif cmd == "expect-refresh":
            result["seen"] = read_until(peer, lambda d: d["kind"] == "refresh")
        elif cmd == "quiet":
            result["kinds"] = read_for(peer, float(args[0]))
        elif cmd == "bigupdate":
            count = int(args[0])
            body = b"".join(nlri(f"198.18.{128 + i // 256}.{i % 256}/32") for i in range(count))
            msg = update(attrs=attrs, nlri_bytes=body)
            peer.send(msg)
            result["length"] = len(msg)
        else:
            result["error"] = "unknown command"
        print(json.dumps(result), flush=True)
    peer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
