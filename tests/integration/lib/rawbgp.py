"""A deliberately simple BGP speaker for tests: it opens a session and
sends whatever bytes a test builds, so malformed and odd UPDATEs can be put
on the wire exactly (RFC 7606 cases). It also reads what comes back, to see
a NOTIFICATION.  Runs inside a namespace through `ip netns exec` python."""

from __future__ import annotations

import socket
import struct
import time

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE = 1, 2, 3, 4


def message(mtype: int, body: bytes) -> bytes:
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


#: Capability codes (RFC 5492 registry) the scripted peers use.
CAP_ENHANCED_REFRESH, CAP_EXTENDED_MESSAGE = 70, 6


def open_msg(asn: int, router_id: str, hold: int = 90, extra_caps: bytes = b"") -> bytes:
    """OPEN with capabilities MP IPv4 unicast, route refresh, 4-octet AS,
    and extra_caps (code, length, value triples) appended."""
    caps = (bytes([1, 4]) + struct.pack("!HBB", 1, 0, 1)       # MP: AFI 1 SAFI 1
            + bytes([2, 0])                                      # route refresh
            + bytes([65, 4]) + struct.pack("!I", asn)            # 4-octet AS
            + extra_caps)
    param = bytes([2, len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    body = struct.pack("!BHH", 4, my_as, hold) + socket.inet_aton(router_id) + bytes([len(param)]) + param
    return message(OPEN, body)


def open_capability_codes(body: bytes) -> list[int]:
    """Capability codes of an OPEN body, in order (RFC 5492 section 4;
    the RFC 9072 extended form is not expected from a short OPEN)."""
    codes, params = [], body[10:10 + body[9]]
    while len(params) >= 2:
        ptype, plen, value = params[0], params[1], params[2:2 + params[1]]
        params = params[2 + plen:]
        while ptype == 2 and len(value) >= 2:
            codes.append(value[0])
            value = value[2 + value[1]:]
    return codes


def attr(flags: int, atype: int, value: bytes) -> bytes:
    if len(value) > 255 or flags & 0x10:
        return struct.pack("!BBH", flags | 0x10, atype, len(value)) + value
    return struct.pack("!BBB", flags, atype, len(value)) + value


def origin(v: int = 0) -> bytes:
    return attr(0x40, 1, bytes([v]))


def as_path(*asns: int) -> bytes:
    return attr(0x40, 2, bytes([2, len(asns)]) + b"".join(struct.pack("!I", a) for a in asns))


def next_hop(addr: str) -> bytes:
    return attr(0x40, 3, socket.inet_aton(addr))


def nlri(prefix: str) -> bytes:
    net, plen = prefix.split("/")
    plen = int(plen)
    return bytes([plen]) + socket.inet_aton(net)[: (plen + 7) // 8]


def update(withdrawn: bytes = b"", attrs: bytes = b"", nlri_bytes: bytes = b"") -> bytes:
    body = struct.pack("!H", len(withdrawn)) + withdrawn + struct.pack("!H", len(attrs)) + attrs + nlri_bytes
    return message(UPDATE, body)


class RawPeer:
    """One TCP connection that has done the OPEN exchange."""

    def __init__(self, local: str, remote: str, asn: int, port: int = 179, timeout: float = 10.0,
                 extra_caps: bytes = b""):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((remote, port), timeout=timeout,
                                                     source_address=(local, 0))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.sock.sendall(open_msg(asn, local, extra_caps=extra_caps))
        mtype, body = self.read()
        if mtype != OPEN:
            raise AssertionError(f"expected OPEN, got type {mtype}")
        self.their_caps = open_capability_codes(body)
        self.their_open = body
        self.sock.sendall(message(KEEPALIVE, b""))
        mtype, _ = self.read()
        if mtype != KEEPALIVE:
            raise AssertionError(f"expected KEEPALIVE, got type {mtype}")

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def read(self) -> tuple[int, bytes]:
        head = self._exact(19)
        length, mtype = struct.unpack("!HB", head[16:19])
        return mtype, self._exact(length - 19)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def notification(self, timeout: float = 10.0) -> tuple[int, int, bytes] | None:
        """The NOTIFICATION the other side sends before closing, or None if
        the session stays (nothing but KEEPALIVEs/UPDATEs until timeout)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                mtype, body = self.read()
                if mtype == NOTIFICATION:
                    return body[0], body[1], body[2:]
        except (socket.timeout, TimeoutError):
            return None
        except ConnectionError:
            return (-1, -1, b"")

    def close(self) -> None:
        self.sock.close()


# ---- a scripted run: `python3 -m lib.rawbgp LOCAL REMOTE ASN CASE` ------------
# Sends a good UPDATE for GOOD_PREFIX, then the case's UPDATE, reports what
# came back as one JSON line, then keeps the session up until stdin closes,
# so the test can look at the receiver's RIB meanwhile.

GOOD_PREFIX = "198.18.1.0/24"
CASE_PREFIX = "198.18.2.0/24"


def case_update(case: str, local: str, asn: int) -> bytes:
    base = [origin(), as_path(asn), next_hop(local)]
    n = nlri(CASE_PREFIX)
    if case == "ok":
        return update(attrs=b"".join(base), nlri_bytes=n)
    if case == "bad-origin":        # RFC 7606 7.1: treat-as-withdraw
        return update(attrs=origin(3) + base[1] + base[2], nlri_bytes=n)
    if case == "missing-next-hop":  # RFC 7606 3 (d): treat-as-withdraw
        return update(attrs=base[0] + base[1], nlri_bytes=n)
    if case == "bad-as-path":       # RFC 7606 7.2: treat-as-withdraw
        bad = attr(0x40, 2, bytes([2, 5]) + struct.pack("!I", asn))
        return update(attrs=base[0] + bad + base[2], nlri_bytes=n)
    if case == "bad-med-length":    # RFC 7606 7.4: treat-as-withdraw
        return update(attrs=b"".join(base) + attr(0x80, 4, b"\x00\x01"), nlri_bytes=n)
    if case == "atomic-aggregate-length":  # RFC 7606 7.6: attribute discard
        return update(attrs=b"".join(base) + attr(0x40, 6, b"\x01"), nlri_bytes=n)
    if case == "local-pref-from-ebgp":     # RFC 7606 7.5: attribute discard
        return update(attrs=b"".join(base) + attr(0x40, 5, struct.pack("!I", 500)), nlri_bytes=n)
    if case == "unknown-transitive":       # RFC 4271 5: kept, passed on
        return update(attrs=b"".join(base) + attr(0xc0, 250, b"skygate"), nlri_bytes=n)
    if case == "bad-nlri-length":          # RFC 7606 5.3: session reset
        return update(attrs=b"".join(base), nlri_bytes=bytes([33]) + b"\xc6\x12\x02\x00\x00")
    if case == "duplicate-mp-reach":       # RFC 7606 3 (g): session reset
        mp = attr(0x80, 14, struct.pack("!HBB", 1, 1, 4) + socket.inet_aton(local) + b"\x00" + n)
        return update(attrs=b"".join(base) + mp + mp)
    raise ValueError(f"unknown case {case}")


def main(argv: list[str]) -> int:
    import json
    import sys
    local, remote, asn, case = argv[1], argv[2], int(argv[3]), argv[4]
    peer = RawPeer(local, remote, asn)
    good = update(attrs=origin() + as_path(asn) + next_hop(local), nlri_bytes=nlri(GOOD_PREFIX))
    peer.send(good)
    peer.send(case_update(case, local, asn))
    got = peer.notification(timeout=3.0)
    print(json.dumps({"notification": list(got[:2]) if got else None}), flush=True)
    sys.stdin.read()
    peer.close()
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv))
