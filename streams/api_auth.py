"""Bearer tokens for the HTTP API (the worker's web server and the dashboard).

Why: the API changes what the workers alert on and feeds articles in, so once it is reachable
by others it needs credentials. Two kinds of token: read-only (GET) and admin (everything).
Tokens come from the environment or a file, never from the command line (which `ps` shows),
and are compared in constant time. With no token configured the API is open, which is only
allowed on a loopback address (see `check_exposure`).

    WIREWATCH_API_TOKENS        read-only tokens, comma-separated
    WIREWATCH_ADMIN_TOKEN       admin token(s), comma-separated (several allow rotation)
    WIREWATCH_API_TOKENS_FILE   a file of lines "read TOKEN" or "admin TOKEN" (# comments)
    WIREWATCH_TOKEN             the token a client (CLI, harness) presents
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from streams.config import ConfigError

Access = Literal["read", "admin"]
MIN_TOKEN_CHARS = 16
OPEN_PATHS = frozenset({"/health", "/ready", "/metrics"})
"""Probes and Prometheus scrapes carry no credentials and reveal no rule, article or secret."""
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Tokens:
    """The configured tokens; empty means the API is open (loopback only)."""

    read: tuple[bytes, ...] = ()
    admin: tuple[bytes, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.read or self.admin)

    def access(self, presented: str | None) -> Access | None:
        """What `presented` grants. Every configured token is compared (constant time each),
        so the time taken does not tell which one matched or how close a guess came."""
        if not presented:
            return None
        given = presented.encode("utf-8", "replace")
        is_admin = any([hmac.compare_digest(given, token) for token in self.admin])
        is_read = any([hmac.compare_digest(given, token) for token in self.read])
        return "admin" if is_admin else "read" if is_read else None


@dataclass(frozen=True)
class Refusal:
    """An HTTP refusal: 401 (no or unknown token) or 403 (read-only token on a write)."""

    status: int
    error: str

    def body(self) -> dict[str, str]:
        return {"error": self.error, "status": str(self.status)}


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _checked(token: str, where: str) -> bytes:
    if len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(f"{where}: tokens must be at least {MIN_TOKEN_CHARS} characters")
    if any(char.isspace() or not char.isprintable() for char in token):
        raise ConfigError(f"{where}: tokens must be printable, without spaces")
    return token.encode("utf-8")


def _from_file(path: str) -> tuple[list[str], list[str]]:
    try:
        text = open(os.path.expanduser(path), encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(f"WIREWATCH_API_TOKENS_FILE: cannot read {path}: {exc.strerror}") from None
    read, admin = [], []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, token = line.partition(" ")
        if kind not in ("read", "admin") or not token.strip():
            raise ConfigError(f"WIREWATCH_API_TOKENS_FILE line {number}: expected 'read TOKEN' or 'admin TOKEN'")
        (read if kind == "read" else admin).append(token.strip())
    return read, admin


def tokens_from_env(env: Mapping[str, str] | None = None) -> Tokens:
    """The tokens configured by WIREWATCH_API_TOKENS, WIREWATCH_ADMIN_TOKEN and the tokens file."""
    env = os.environ if env is None else env
    read = [_checked(t, "WIREWATCH_API_TOKENS") for t in _split(env.get("WIREWATCH_API_TOKENS"))]
    admin = [_checked(t, "WIREWATCH_ADMIN_TOKEN") for t in _split(env.get("WIREWATCH_ADMIN_TOKEN"))]
    if env.get("WIREWATCH_API_TOKENS_FILE"):
        file_read, file_admin = _from_file(env["WIREWATCH_API_TOKENS_FILE"])
        read += [_checked(t, "WIREWATCH_API_TOKENS_FILE") for t in file_read]
        admin += [_checked(t, "WIREWATCH_API_TOKENS_FILE") for t in file_admin]
    return Tokens(tuple(read), tuple(admin))


def client_token(env: Mapping[str, str] | None = None) -> str | None:
    """The token a client sends: WIREWATCH_TOKEN, else the first admin token configured here."""
    env = os.environ if env is None else env
    if env.get("WIREWATCH_TOKEN"):
        return env["WIREWATCH_TOKEN"].strip()
    admin = _split(env.get("WIREWATCH_ADMIN_TOKEN"))
    return admin[0] if admin else None


def bearer(authorization: str | None) -> str | None:
    """The token of an "Authorization: Bearer TOKEN" header, None when absent or another scheme."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def check_request(tokens: Tokens, method: str, path: str, presented: str | None, *,
                  open_paths: frozenset[str] = OPEN_PATHS) -> Refusal | None:
    """None when the request may go on; otherwise the 401 or 403 to answer."""
    if not tokens.enabled or path in open_paths:
        return None
    granted = tokens.access(presented)
    if granted is None:
        reason = "missing API token" if not presented else "invalid API token"
        return Refusal(401, f"{reason}: send 'Authorization: Bearer TOKEN' (see README, HTTP API)")
    if method.upper() not in READ_METHODS and granted != "admin":
        return Refusal(403, "this token is read-only; changing rules or sending articles needs an admin token")
    return None


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the server reachable from this machine only."""
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(tokens: Tokens, host: str, what: str = "the worker's web API") -> None:
    """An API without tokens must not listen beyond loopback: refuse to start instead."""
    if not tokens.enabled and not is_loopback(host):
        raise ConfigError(f"{what} would listen on {host} without a token: set WIREWATCH_ADMIN_TOKEN "
                          f"(and optionally WIREWATCH_API_TOKENS), or bind to 127.0.0.1")
