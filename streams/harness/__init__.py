"""The harness shared by the benchmark, the fault scenarios and the tests.

One broker runner (`brokers`), one worker runner (`workers`), one webhook receiver
(`webhook_receiver`) and the topic readers and writers a user's own client would be (`topics`);
`bench/` and `faults/` are built on them, and so are tests/conftest.py's fixtures. Nothing in the
runtime imports this package: it drives the product from outside, as its users do.
"""

import base64 as _base64
import os as _os

# The harness's webhook receivers listen on 127.0.0.1, which the webhook URL policy refuses
# unless allowed (streams/alerts/url_policy.py); its rules carry webhook secrets, which are stored
# sealed and so need a key (streams/alerts/sealing.py). A user's own settings win; otherwise the
# benchmark, the fault scenarios and the tests get these, and so do the workers they start.
_os.environ.setdefault("WIREWATCH_WEBHOOK_ALLOW", "127.0.0.1/32,::1/128")
_os.environ.setdefault("WIREWATCH_SECRET_KEY", _base64.b64encode(_os.urandom(32)).decode("ascii"))
