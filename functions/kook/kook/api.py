"""What every kook HTTP function shares: `{success, ...}` and the documented error body."""

from suite.envelopes import SuccessFlatEnvelope

TITLE = "KOOK forwarder API"
VERSION = "1.11.0"
ENVELOPE = SuccessFlatEnvelope()
