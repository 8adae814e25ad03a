"""Plain kafka-python clients for the command line: topic creation, producing, tailing.

The worker itself runs on Faust (aiokafka); these synchronous clients serve the CLI verbs
(`dev`, `tail`, `ingest`, `rules`) and the integration tests, which must talk to the broker
from outside the way any user's producer would.
"""

from __future__ import annotations

import time
from typing import Iterable, Iterator

from streams.config import Settings
from streams.runtime import codec
from streams.topology import ALL_TOPIC_SUFFIXES, COMPACTED, FIXED_PARTITIONS

# The internal topics carry the spaCy parse, several times the size of the text: allow large
# messages on the topics we create (Kafka's default is 1 MB).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class BrokerUnavailable(RuntimeError):
    """The broker did not answer in time; the message says where we tried."""


def client_options(settings: Settings) -> dict:
    """Connection settings (servers, TLS, SASL) for a kafka-python client."""
    options: dict = {"bootstrap_servers": settings.bootstrap_servers}
    if settings.broker_security:
        options["security_protocol"] = settings.broker_security.upper()
        if settings.ssl_cafile:
            options["ssl_cafile"] = settings.ssl_cafile
        if settings.sasl_mechanism:
            options["sasl_mechanism"] = settings.sasl_mechanism.upper()
            options["sasl_plain_username"] = settings.sasl_username
            options["sasl_plain_password"] = settings.sasl_password
    return options


# Also imported under this name by streams/harness/topics.py.
_client_options = client_options


def aiokafka_options(settings: Settings) -> dict:
    """The same connection settings for an aiokafka client (the worker's own readers)."""
    options: dict = {"bootstrap_servers": settings.bootstrap_servers}
    if settings.broker_security:
        import ssl

        protocol = settings.broker_security.upper()
        options["security_protocol"] = protocol
        if "SSL" in protocol:
            options["ssl_context"] = ssl.create_default_context(cafile=settings.ssl_cafile)
        if protocol.startswith("SASL"):
            options["sasl_mechanism"] = (settings.sasl_mechanism or "PLAIN").upper()
            options["sasl_plain_username"] = settings.sasl_username
            options["sasl_plain_password"] = settings.sasl_password
    return options


def wait_for_broker(settings: Settings, timeout: float = 30.0) -> None:
    """Block until the broker answers metadata requests."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin = KafkaAdminClient(request_timeout_ms=5000, **client_options(settings))
            admin.list_topics()
            admin.close()
            return
        except (KafkaError, OSError, ValueError) as exc:
            last = exc
            time.sleep(0.3)
    raise BrokerUnavailable(f"no Kafka broker answered at {settings.broker} within {timeout:.0f}s ({last})")


def ensure_topics(settings: Settings, suffixes: Iterable[str] = ALL_TOPIC_SUFFIXES) -> list[str]:
    """Create the pipeline's topics with the configured partitions; returns the ones created.

    Left to auto-creation a topic would get the broker's default partitions and no compaction."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(request_timeout_ms=15000, **client_options(settings))
    try:
        existing = set(admin.list_topics())
        wanted = []
        for suffix in suffixes:
            name = settings.topic(suffix)
            if name in existing:
                continue
            configs = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
            if suffix in COMPACTED:
                configs["cleanup.policy"] = "compact"
            partitions = FIXED_PARTITIONS.get(suffix, settings.partitions)
            wanted.append(NewTopic(name, partitions, settings.replication, topic_configs=configs))
        created = []
        for topic in wanted:  # one by one: an existing topic must not hide the others
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()


def make_producer(settings: Settings):
    """A kafka-python producer that waits for every replica and allows the pipeline's large messages."""
    from kafka import KafkaProducer

    return KafkaProducer(acks="all", linger_ms=5, max_request_size=MAX_MESSAGE_BYTES, **client_options(settings))


def produce_json(producer, topic: str, events: Iterable[dict], key_field: str = "id") -> int:
    """Send each event as JSON keyed by its `key_field`, then flush; returns how many were sent."""
    count = 0
    for event in events:
        key = event.get(key_field) if isinstance(event, dict) else None
        producer.send(topic, key=str(key).encode("utf-8") if key is not None else None, value=codec.dumps(event))
        count += 1
    producer.flush()
    return count


def follow(settings: Settings, topics: list[str], *, from_beginning: bool = True, group: str | None = None,
           poll_timeout_ms: int = 500) -> Iterator[tuple[str, bytes | None, bytes]]:
    """Yield (topic, key, value) from the given topics until the caller stops iterating."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        *topics,
        group_id=group,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=group is not None,
        **client_options(settings),
    )
    try:
        while True:
            batch = consumer.poll(timeout_ms=poll_timeout_ms)
            if not batch:
                yield ("", None, b"")  # heartbeat tick so callers can check deadlines
                continue
            for tp, records in batch.items():
                for record in records:
                    yield tp.topic, record.key, record.value
    finally:
        consumer.close()
