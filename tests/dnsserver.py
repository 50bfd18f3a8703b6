"""A real DNS server on loopback (dnslib), answering from a zone file the test writes."""

from __future__ import annotations

import textwrap

from dnslib.server import DNSLogger, DNSServer
from dnslib.zoneresolver import ZoneResolver

from .sink import free_port


class ZoneServer:
    """UDP and TCP on one loopback port; `address` is what KITH_NAMESERVER takes."""

    def __init__(self, zone: str) -> None:
        self.port = free_port()
        resolver = ZoneResolver(textwrap.dedent(zone))
        quiet = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        self.servers = [
            DNSServer(resolver, address="127.0.0.1", port=self.port, tcp=tcp, logger=quiet)
            for tcp in (False, True)
        ]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> ZoneServer:
        for server in self.servers:
            server.start_thread()
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
            server.server.server_close()
