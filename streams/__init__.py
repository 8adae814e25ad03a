"""wirewatch: real-time news enrichment over Kafka (Faust agents, spaCy, orjson)."""

__version__ = "0.1.0"
