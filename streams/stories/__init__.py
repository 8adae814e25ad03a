"""Story and quote identity: near-copies of one dispatch share a story, the same words of the
same speaker share a quote id. Pure code, free of Kafka and Faust (see docs/stories.md)."""
