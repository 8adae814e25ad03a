"""The NLP stages, free of Kafka and Faust: normalize -> annotate (the one spaCy parse) ->
entities -> quotes -> topics, one folder each, chained by pipeline.Enricher for agents and
`wirewatch enrich` alike. Per-language word lists live in streams/lang/."""
