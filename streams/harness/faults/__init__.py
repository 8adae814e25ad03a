"""Fault scenarios against a real broker and real `wirewatch worker` processes.

`restarts` (kill -9 or SIGTERM of a worker mid-stream; Apache Kafka restarted under a worker),
`poison` (a property-based poison corpus, built in `poison_corpus`) and `webhooks` (slow, failing
and down endpoints) each return a `scenario.Report`: counts and every promise that did not hold.
tests/test_faults.py runs them small; `python -m streams.harness.faults` (or scripts/faults.py)
runs them at any scale. They need the test extras (pytest, hypothesis). `agent_faults` is no
scenario but a worker entry point with exceptions injected into its agents, for
tests/test_known_risks.py.
"""
