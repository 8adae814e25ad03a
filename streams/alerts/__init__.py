"""Alerting: rules (rules.py), matching enriched articles against them (matching.py), what
already fired (state.py), the rules topic view (store.py) and signed webhooks (webhooks.py)."""
