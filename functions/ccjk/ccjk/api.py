"""What every ccjk HTTP function shares: the `{success, data}` / `{success:false, error}` envelope."""

from suite.envelopes import SuccessEnvelope

TITLE = "ccjk cloud API"
VERSION = "1.0.0"
ENVELOPE = SuccessEnvelope()
