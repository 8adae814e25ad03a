"""Webhook secrets encrypted at rest on wire.rules (AES-256-GCM, key from the environment).

Why: every Kafka client that may read wire.rules (dashboards, tail, backups) would otherwise
read the secrets that sign alerts, and could forge them. The secret is sealed when a rule is
written and opened when a worker or the CLI reads it back; the rest of the rule stays readable.
The rule id and the webhook URL are bound to the ciphertext (associated data), so a sealed
secret copied onto another rule or URL does not open.

    WIREWATCH_SECRET_KEY        32 bytes, base64 (standard or URL-safe): `openssl rand -base64 32`
    WIREWATCH_SECRET_KEY_FILE   or a file holding it
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from typing import Any

from streams.config import ConfigError
from streams.runtime import codec

SEALED_PREFIX = "wwsealed:v1:"
NONCE_BYTES = 12
KEY_HELP = "set WIREWATCH_SECRET_KEY (32 random bytes in base64, e.g. `openssl rand -base64 32`)"


class SecretKeyMissing(ConfigError):
    """A secret must be sealed or opened and no key is configured."""


class SealError(ValueError):
    """A sealed secret does not open (wrong key, or moved to another rule or URL)."""


def load_key(env: Mapping[str, str] | None = None) -> bytes | None:
    """The 32-byte key from WIREWATCH_SECRET_KEY or WIREWATCH_SECRET_KEY_FILE, None if neither is set."""
    env = os.environ if env is None else env
    text, where = env.get("WIREWATCH_SECRET_KEY", "").strip(), "WIREWATCH_SECRET_KEY"
    if not text and env.get("WIREWATCH_SECRET_KEY_FILE"):
        where = "WIREWATCH_SECRET_KEY_FILE"
        try:
            text = open(os.path.expanduser(env["WIREWATCH_SECRET_KEY_FILE"]), encoding="ascii").read().strip()  # noqa: SIM115
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{where}: cannot read {env['WIREWATCH_SECRET_KEY_FILE']}: {exc}") from None
    if not text:
        return None
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where} is not base64 ({KEY_HELP})") from None
    if len(key) != 32:
        raise ConfigError(f"{where} must decode to 32 bytes, got {len(key)} ({KEY_HELP})")
    return key


def is_sealed(secret: Any) -> bool:
    return isinstance(secret, str) and secret.startswith(SEALED_PREFIX)


def _associated(rule_id: str, url: str) -> bytes:
    return f"wirewatch-rule\n{rule_id}\n{url}".encode()


def seal(secret: str, key: bytes, rule_id: str, url: str) -> str:
    """"wwsealed:v1:" + base64url(nonce + AES-GCM ciphertext)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, secret.encode("utf-8"), _associated(rule_id, url))
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(sealed: str, key: bytes, rule_id: str, url: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX):])
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(rule_id, url)).decode("utf-8")
    except (InvalidTag, ValueError, binascii.Error):
        raise SealError("its webhook secret does not decrypt with WIREWATCH_SECRET_KEY "
                        "(a different key, or a secret moved to another rule or URL)") from None


def seal_rule(rule: Mapping[str, Any], key: bytes | None) -> dict[str, Any]:
    """The rule dict to store: each clear webhook secret sealed. SecretKeyMissing when a rule
    has a secret and no key is configured (a secret is never stored in clear)."""
    out = dict(rule)
    targets = []
    for target in rule.get("notify") or []:
        target = dict(target)
        secret = target.get("secret")
        if isinstance(secret, str) and secret and not is_sealed(secret):
            if key is None:
                raise SecretKeyMissing(f"rule {rule.get('id')!r} has a webhook secret, which is stored encrypted: "
                                       f"{KEY_HELP}")
            target["secret"] = seal(secret, key, str(rule.get("id")), str(target.get("url")))
        targets.append(target)
    if "notify" in rule:
        out["notify"] = targets
    return out


def open_rule(rule: Mapping[str, Any], key: bytes | None) -> dict[str, Any]:
    """The rule with its sealed secrets opened. SecretKeyMissing without a key, SealError when
    one does not open; a rule without sealed secrets comes back unchanged."""
    targets = []
    for target in rule.get("notify") or []:
        target = dict(target) if isinstance(target, Mapping) else target
        if isinstance(target, dict) and is_sealed(target.get("secret")):
            if key is None:
                raise SecretKeyMissing(f"its webhook secrets are encrypted and no key is configured: {KEY_HELP} "
                                       f"to the key the rule was written with")
            target["secret"] = unseal(target["secret"], key, str(rule.get("id")), str(target.get("url")))
        targets.append(target)
    return {**rule, "notify": targets} if "notify" in rule else dict(rule)


def has_sealed_secrets(rule: Mapping[str, Any]) -> bool:
    return any(isinstance(t, Mapping) and is_sealed(t.get("secret")) for t in rule.get("notify") or [])


def sealed_rule_bytes(rule: Any, key: bytes | None = None) -> bytes:
    """The wire.rules record of a Rule (streams.alerts.rules), secrets sealed with the
    environment's key unless `key` is given."""
    key = load_key() if key is None else key
    return codec.dumps(seal_rule(rule.to_dict(), key))


def open_stored_rule(rule_id: str, rule: dict[str, Any]) -> dict[str, Any]:
    """A rule read from wire.rules with its secrets opened; when they cannot be, the rule is
    kept sealed (shown masked, refused by the worker's validation) and the reason logged."""
    if not has_sealed_secrets(rule):
        return rule
    try:
        return open_rule(rule, load_key())
    except (ConfigError, SealError) as exc:
        import logging

        logging.getLogger("wirewatch.rules").error("rule %s cannot be used for webhooks: %s", rule_id, exc)
        return rule
