"""Sign-in by a reverse proxy in front of Perimeter (oauth2-proxy, Authelia, an SSO gateway): it authenticates the
employee and passes who they are in X-Forwarded-User / X-Forwarded-Groups. Those headers are believed only when the
TCP peer is one of the configured proxies; from anyone else they are ignored, so a caller cannot name themselves."""
from __future__ import annotations

import ipaddress

from services.auth.errors import NotSignedIn
from services.identity import User, role_for


class TrustedPeers:
    """The peers whose identity headers are believed: IP addresses/networks, or literal peer names (the test client
    reports itself as "testclient")."""

    def __init__(self, entries: list[str]):
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.names: set[str] = set()
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry)

    def __bool__(self) -> bool:
        return bool(self.networks or self.names)

    def __contains__(self, peer: str | None) -> bool:
        if not peer:
            return False
        if peer in self.names:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # ::ffff:10.0.0.5 is 10.0.0.5
        return any(address in network for network in self.networks)


def parse_groups(value: str) -> list[str]:
    """ "hr, all,,hr" → ["hr", "all"] """
    return list(dict.fromkeys(g.strip() for g in value.split(",") if g.strip()))


def proxy_user(names: list[str], groups: list[str], admin_groups: list[str]) -> User | None:
    """The user a trusted proxy named, or None when it named nobody. `names`/`groups` are every value of the two
    headers: more than one value means a client-sent header slipped through beside the proxy's, which is refused.
    """
    if not names or not names[0].strip():
        return None
    name = names[0].strip()
    if len(names) > 1 or len(groups) > 1 or "," in name:
        raise NotSignedIn("the proxy's identity headers are repeated or ambiguous; refusing to guess who this is")
    member_of = parse_groups(groups[0]) if groups else []
    return User(name=name, groups=member_of, role=role_for(member_of, admin_groups), via="proxy")
