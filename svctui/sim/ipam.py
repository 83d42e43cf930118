"""Pod IPs from each node's podCIDR, handed out the way host-local IPAM (kindnet, bridge CNIs) does.

Allocation continues after the last address given out and wraps around at the end of the range, so a
deleted pod's IP is not handed straight to its replacement, yet addresses are reused once the range has
been walked through. .0 (network), .1 (the node's bridge/gateway) and the broadcast address are never used.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


class _Pool:
    __slots__ = ("first", "last", "cursor", "used")

    def __init__(self, cidr: str):
        net = ipaddress.ip_network(cidr, strict=False)
        self.first = int(net.network_address) + 2
        self.last = int(net.broadcast_address) - 1
        self.cursor = self.first - 1
        self.used: set[int] = set()

    def take(self) -> int | None:
        size = self.last - self.first + 1
        if size <= 0 or len(self.used) >= size:
            return None
        n = self.cursor
        for _ in range(size):
            n = n + 1 if n < self.last else self.first
            if n not in self.used:
                self.used.add(n)
                self.cursor = n
                return n
        return None


class Ipam:
    def __init__(self) -> None:
        self._pools: dict[str, _Pool] = {}
        # pod uid -> (cidr, address)
        self._owners: dict[str, tuple[str, int]] = {}

    def allocate(self, uid: str, cidr: str) -> str | None:
        """The pod's IP in cidr (the same one again if it already has one); None when the range is full."""
        held = self._owners.get(uid)
        if held is not None and held[0] == cidr:
            return str(ipaddress.ip_address(held[1]))
        if held is not None:
            self.release(uid)
        pool = self._pools.get(cidr)
        if pool is None:
            pool = self._pools[cidr] = _Pool(cidr)
        n = pool.take()
        if n is None:
            return None
        self._owners[uid] = (cidr, n)
        return str(ipaddress.ip_address(n))

    def release(self, uid: str) -> None:
        held = self._owners.pop(uid, None)
        if held is not None:
            pool = self._pools.get(held[0])
            if pool is not None:
                pool.used.discard(held[1])
