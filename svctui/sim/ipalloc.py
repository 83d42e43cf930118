"""Service ClusterIP and NodePort allocators, as kube-apiserver's bitmap allocators hand them out.

Both ranges have a lower band kept for addresses users ask for by number: random allocation takes from
the upper band first and falls back to the lower one only when the upper is full (KEP-3070/3668), which
is why 10.96.0.1 and 10.96.0.10 are never handed out at random. A random pick that is taken scans upward
from there, wrapping, as the bitmap allocator does.
"""

from __future__ import annotations

import ipaddress
import random


class AllocationError(Exception):
    """The message the apiserver puts after `failed to allocate IP x:` or on the nodePort field."""


class _Band:
    """Random-with-scan allocation over integers [lo, hi] with a reserved lower band of `offset` values."""

    def __init__(self, lo: int, hi: int, offset: int, rng: random.Random):
        self.lo = lo
        self.hi = hi
        self.offset = offset
        self.rng = rng
        self.used: set[int] = set()

    def take_random(self) -> int | None:
        for start, end in ((self.lo + self.offset, self.hi), (self.lo, self.lo + self.offset - 1)):
            if end < start:
                continue
            v = self._scan(start, end)
            if v is not None:
                self.used.add(v)
                return v
        return None

    def _scan(self, start: int, end: int) -> int | None:
        size = end - start + 1
        first = self.rng.randrange(size)
        for i in range(size):
            v = start + (first + i) % size
            if v not in self.used:
                return v
        return None


class ClusterIPAllocator:
    def __init__(self, cidr: str, rng: random.Random):
        self.cidr = cidr
        net = ipaddress.ip_network(cidr)
        # network and broadcast addresses are never allocated
        lo, hi = int(net.network_address) + 1, int(net.broadcast_address) - 1
        size = hi - lo + 1
        self._band = _Band(lo, hi, min(max(16, size // 16), 256), rng)

    def allocate(self, ip: str) -> None:
        try:
            v = int(ipaddress.IPv4Address(ip))
        except ValueError:
            raise AllocationError(f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {self.cidr}") from None
        if not self._band.lo <= v <= self._band.hi:
            raise AllocationError(f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {self.cidr}")
        if v in self._band.used:
            raise AllocationError("provided IP is already allocated")
        self._band.used.add(v)

    def allocate_next(self) -> str:
        v = self._band.take_random()
        if v is None:
            raise AllocationError("range is full")
        return str(ipaddress.IPv4Address(v))

    def release(self, ip: str) -> None:
        try:
            self._band.used.discard(int(ipaddress.IPv4Address(ip)))
        except ValueError:
            pass

    def has(self, ip: str) -> bool:
        try:
            return int(ipaddress.IPv4Address(ip)) in self._band.used
        except ValueError:
            return False


class PortAllocator:
    def __init__(self, first: int, last: int, rng: random.Random):
        self.first = first
        self.last = last
        size = last - first + 1
        self._band = _Band(first, last, min(max(16, size // 32), 128), rng)

    def allocate(self, port: int) -> None:
        if not self.first <= port <= self.last:
            raise AllocationError(f"provided port is not in the valid range. The range of valid ports is {self.first}-{self.last}")
        if port in self._band.used:
            raise AllocationError("provided port is already allocated")
        self._band.used.add(port)

    def allocate_next(self) -> int:
        v = self._band.take_random()
        if v is None:
            raise AllocationError("range is full")
        return v

    def release(self, port: int) -> None:
        self._band.used.discard(port)


class ServiceAllocators:
    """The cluster's service IP range (kind's default 10.96.0.0/12) and NodePort range."""

    def __init__(self, rng: random.Random, cidr: str = "10.96.0.0/12", node_ports: tuple[int, int] = (30000, 32767)):
        self.ips = ClusterIPAllocator(cidr, rng)
        self.ports = PortAllocator(node_ports[0], node_ports[1], rng)
