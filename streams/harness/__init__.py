"""The harness shared by the benchmark, the fault scenarios and the tests.

One broker runner (`brokers`), one worker runner (`workers`), one webhook receiver
(`webhook_receiver`) and the topic readers and writers a user's own client would be (`topics`);
`bench/` and `faults/` are built on them, and so are tests/conftest.py's fixtures. Nothing in the
runtime imports this package: it drives the product from outside, as its users do.
"""
