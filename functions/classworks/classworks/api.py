"""What every classworks function shares: plain JSON bodies, errors as `{statusCode, message}`."""

from suite.envelopes import PlainEnvelope

TITLE = "ClassworksKV"
VERSION = "1.0.0"
ENVELOPE = PlainEnvelope()
