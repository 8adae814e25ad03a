"""The live dashboard (`wirewatch ui`): a web page over the pipeline's public topics.

It reads wire.enriched, wire.alerts, wire.deadletter, wire.raw and wire.rules with its own
group-less consumer, so it never joins, slows or rebalances the workers' consumer group. What it
has read lives in a bounded in-memory window (window.py, actors.py); pages are rendered on the
server (render.py, templates/) and kept current in the browser by Server-Sent Events (hub.py,
static/app.js). The pure parts (window, actors, markup, health, rule_form) know nothing of
Kafka or HTTP, so they are unit-tested directly.
"""
