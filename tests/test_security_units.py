"""The pure parts of issue 18 part B: API tokens, the webhook URL policy, sealed secrets."""

from __future__ import annotations

import asyncio
import base64
import ipaddress

import pytest

from streams.alerts.rules import parse_rules
from streams.alerts.sealing import (
    SEALED_PREFIX,
    SealError,
    SecretKeyMissing,
    load_key,
    open_rule,
    seal_rule,
    sealed_rule_bytes,
)
from streams.alerts.url_policy import UrlPolicy, UrlRefused, check_url, parse_allow
from streams.api_auth import Tokens, bearer, check_exposure, check_request, client_token, tokens_from_env
from streams.config import ConfigError

ADMIN, READ = "admin-0123456789abcdef", "read-0123456789abcdef"
KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(b"unit-test-secret-unit-test-secr").decode()


# --- tokens ---------------------------------------------------------------------------------


def tokens() -> Tokens:
    return tokens_from_env({"WIREWATCH_ADMIN_TOKEN": ADMIN, "WIREWATCH_API_TOKENS": READ})


def test_no_token_configured_means_open_but_only_on_loopback():
    assert check_request(Tokens(), "POST", "/rules", None) is None
    check_exposure(Tokens(), "127.0.0.1")
    check_exposure(Tokens(), "::1")
    with pytest.raises(ConfigError, match="WIREWATCH_ADMIN_TOKEN"):
        check_exposure(Tokens(), "0.0.0.0")
    check_exposure(tokens(), "0.0.0.0")


@pytest.mark.parametrize("method,path,token,status", [
    ("GET", "/rules", None, 401), ("GET", "/rules", "nope-nope-nope-nope", 401), ("POST", "/rules", None, 401),
    ("GET", "/rules", READ, None), ("GET", "/alerts", ADMIN, None), ("POST", "/rules", READ, 403),
    ("DELETE", "/rules/x", READ, 403), ("POST", "/articles", READ, 403), ("POST", "/articles", ADMIN, None),
    ("GET", "/health", None, None), ("GET", "/ready", None, None), ("GET", "/metrics", None, None),
    ("GET", "/router/", None, 401),  # Faust's own pages are covered too
])
def test_requests_are_allowed_or_refused_with_401_or_403(method, path, token, status):
    refusal = check_request(tokens(), method, path, token)
    assert (refusal.status if refusal else None) == status
    if refusal:
        assert "token" in refusal.body()["error"]


def test_tokens_from_a_file_and_what_clients_send(tmp_path):
    path = tmp_path / "tokens"
    path.write_text(f"# rotated monthly\nadmin {ADMIN}\nread {READ}\n")
    loaded = tokens_from_env({"WIREWATCH_API_TOKENS_FILE": str(path)})
    assert loaded.access(ADMIN) == "admin" and loaded.access(READ) == "read" and loaded.access("x" * 20) is None
    path.write_text("root hunter2hunter2hunter2\n")
    with pytest.raises(ConfigError, match="line 1"):
        tokens_from_env({"WIREWATCH_API_TOKENS_FILE": str(path)})
    with pytest.raises(ConfigError, match="at least 16"):
        tokens_from_env({"WIREWATCH_ADMIN_TOKEN": "short"})
    assert client_token({"WIREWATCH_ADMIN_TOKEN": f"{ADMIN},other-0123456789abcdef"}) == ADMIN
    assert client_token({"WIREWATCH_TOKEN": READ, "WIREWATCH_ADMIN_TOKEN": ADMIN}) == READ
    assert bearer(f"Bearer {READ}") == READ and bearer(f"bearer  {READ} ") == READ
    assert bearer(f"Basic {READ}") is None and bearer(None) is None and bearer("Bearer") is None


# --- webhook URL policy ---------------------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd12::1", "::ffff:10.0.0.1",
                                     "224.0.0.1", "255.255.255.255"])
def test_non_global_addresses_are_refused(address):
    assert UrlPolicy().refusal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "93.184.216.34"])
def test_global_addresses_pass(address):
    assert UrlPolicy().refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_opens_exactly_what_it_names():
    policy = UrlPolicy(parse_allow("127.0.0.1/32, 10.1.0.0/16,::1"))
    for allowed in ("127.0.0.1", "10.1.200.3", "::1", "::ffff:127.0.0.1"):
        assert policy.refusal(ipaddress.ip_address(allowed)) is None
    for refused in ("127.0.0.2", "10.2.0.1", "192.168.0.1"):
        assert policy.refusal(ipaddress.ip_address(refused))
    with pytest.raises(ConfigError, match="WIREWATCH_WEBHOOK_ALLOW"):
        parse_allow("10.0.0.0/33")


def test_host_names_are_checked_on_what_they_resolve_to():
    with pytest.raises(UrlRefused, match="loopback"):
        asyncio.run(check_url("http://localhost:8080/hook", UrlPolicy()))
    asyncio.run(check_url("http://localhost:8080/hook", UrlPolicy(parse_allow("127.0.0.1/32,::1/128"))))
    with pytest.raises(UrlRefused, match="does not resolve"):
        asyncio.run(check_url("http://no-such-host.invalid/hook", UrlPolicy()))
    asyncio.run(check_url("http://no-such-host.invalid/hook", UrlPolicy(), unresolvable_ok=True))


# --- sealed secrets -------------------------------------------------------------------------


def rule(url: str = "https://hooks.example.com/x") -> dict:
    (parsed,) = parse_rules(f'{{"id": "r1", "name": "R", "actors": ["NATO"], '
                            f'"notify": [{{"type": "webhook", "url": "{url}", "secret": "{SECRET}"}}]}}')
    return parsed


def test_a_sealed_secret_opens_with_its_key_rule_and_url_only():
    sealed = seal_rule(rule().to_dict(), KEY)
    assert sealed["notify"][0]["secret"].startswith(SEALED_PREFIX) and SECRET not in str(sealed)
    assert open_rule(sealed, KEY)["notify"][0]["secret"] == SECRET
    with pytest.raises(SealError):
        open_rule(sealed, bytes(32))
    with pytest.raises(SealError):
        open_rule(dict(sealed, id="r2"), KEY)
    moved = dict(sealed, notify=[dict(sealed["notify"][0], url="https://evil.example.com/x")])
    with pytest.raises(SealError):
        open_rule(moved, KEY)
    with pytest.raises(SecretKeyMissing, match="WIREWATCH_SECRET_KEY"):
        open_rule(sealed, None)
    assert SECRET.encode() not in sealed_rule_bytes(rule(), KEY)


def test_no_secret_is_written_without_a_key():
    with pytest.raises(SecretKeyMissing, match="WIREWATCH_SECRET_KEY"):
        seal_rule(rule().to_dict(), None)
    plain = {"id": "r", "name": "R", "actors": ["NATO"]}
    assert seal_rule(plain, None) == plain


def test_keys_are_32_bytes_of_base64():
    text = base64.b64encode(KEY).decode()
    assert load_key({"WIREWATCH_SECRET_KEY": text}) == KEY
    assert load_key({"WIREWATCH_SECRET_KEY": base64.urlsafe_b64encode(KEY).decode().rstrip("=")}) == KEY
    assert load_key({}) is None
    with pytest.raises(ConfigError, match="32 bytes"):
        load_key({"WIREWATCH_SECRET_KEY": base64.b64encode(b"short").decode()})
    with pytest.raises(ConfigError, match="not base64"):
        load_key({"WIREWATCH_SECRET_KEY": "not base64 at all!"})


def test_delivery_to_a_refused_address_is_not_attempted(monkeypatch):
    from streams.alerts.webhooks import deliver
    from streams.harness.webhook_receiver import WebhookReceiver

    receiver = WebhookReceiver()
    try:
        monkeypatch.setenv("WIREWATCH_WEBHOOK_ALLOW", "")
        result = asyncio.run(deliver(None, receiver.url, SECRET, {"id": "a1", "rule_id": "r"}))
        assert (result.outcome, result.attempts) == ("failed", 0) and result.dead_letter
        assert "refused" in result.error and "loopback" in result.error and SECRET not in result.error
        monkeypatch.setenv("WIREWATCH_WEBHOOK_ALLOW", "127.0.0.1/32")
        assert asyncio.run(deliver(None, receiver.url, SECRET, {"id": "a2", "rule_id": "r"})).outcome == "delivered"
        assert [d for d in receiver.received()] and len(receiver.received()) == 1
    finally:
        receiver.close()
