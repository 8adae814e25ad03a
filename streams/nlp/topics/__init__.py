"""The topics stage: IPTC Media Topics (top level) from the parse and the headline (classify.py)."""
