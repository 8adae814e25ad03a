"""Which addresses a webhook may be delivered to (server-side request forgery guard).

Why: a rule's webhook URL is user input, and the worker POSTs to it from inside the network.
Without a check, anyone who can add a rule can make the worker reach internal services
(metadata endpoints, admin ports, databases on loopback). So only globally routable addresses
are allowed, unless WIREWATCH_WEBHOOK_ALLOW (comma-separated addresses or CIDR ranges, e.g.
"127.0.0.1/32,10.1.2.0/24") permits them. The check runs when a rule is created and again
before each delivery, on the addresses the host name resolves to at that moment, so a name
that later points inside is caught too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from streams.config import ConfigError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
ALLOW_VARIABLE = "WIREWATCH_WEBHOOK_ALLOW"


class UrlRefused(ValueError):
    """A webhook URL points at an address the policy refuses; the message says which and why."""


@dataclass(frozen=True)
class UrlPolicy:
    """Global addresses pass; others only inside `allowed`."""

    allowed: tuple[Network, ...] = ()

    def refusal(self, address: Address) -> str | None:
        """Why `address` is refused, or None when a webhook may go there."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(address in network for network in self.allowed if network.version == address.version):
            return None
        if address.is_global and not address.is_multicast:
            return None
        return f"{address} is a {address_kind(address)} address"


def address_kind(address: Address) -> str:
    """A word for why an address is not global, for error messages."""
    for kind in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return "non-global"


def parse_allow(text: str | None) -> tuple[Network, ...]:
    """'127.0.0.1/32, ::1, 10.0.0.0/8' -> networks; ConfigError naming the bad item."""
    networks = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"{ALLOW_VARIABLE}: {item!r} is not an address or CIDR range") from None
    return tuple(networks)


def policy_from_env(env: Mapping[str, str] | None = None) -> UrlPolicy:
    env = os.environ if env is None else env
    return UrlPolicy(parse_allow(env.get(ALLOW_VARIABLE)))


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_addresses(host: str, addresses: Iterable[Address], policy: UrlPolicy) -> None:
    """Every address the host stands for must pass (one inside is enough to refuse)."""
    for address in addresses:
        reason = policy.refusal(address)
        if reason:
            raise UrlRefused(f"webhook URL host {host!r} refused: {reason} (allow it with {ALLOW_VARIABLE})")


async def resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` resolves to now (A and AAAA)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


async def check_url(url: str, policy: UrlPolicy | None = None, *, unresolvable_ok: bool = False) -> None:
    """Refuse (UrlRefused) a URL whose host is, or resolves to, a refused address.

    A name that does not resolve is refused at delivery; at rule creation (`unresolvable_ok`)
    it is let through, since delivery checks it again."""
    policy = policy_from_env() if policy is None else policy
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = literal_address(host)
    if literal is not None:
        check_addresses(host, [literal], policy)
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError) as exc:
        if unresolvable_ok:
            return
        raise UrlRefused(f"webhook URL host {host!r} does not resolve ({exc})") from None
    check_addresses(host, addresses, policy)


async def delivery_refusal(url: str) -> str | None:
    """The delivery-time hook: why not to POST to `url` now, or None."""
    try:
        await check_url(url)
    except (UrlRefused, ConfigError, ValueError) as exc:
        return str(exc)
    return None


async def check_rule_targets(rules: Iterable) -> None:
    """Rule creation: every webhook of every rule (streams.alerts.rules.Rule) must pass."""
    for rule in rules:
        for target in rule.notify:
            try:
                await check_url(target.url, unresolvable_ok=True)
            except UrlRefused as exc:
                raise UrlRefused(f"rule {rule.id!r}: {exc}") from None


def check_rule_targets_sync(rules: Iterable) -> None:
    """check_rule_targets for the command line (no event loop running)."""
    asyncio.run(check_rule_targets(list(rules)))
