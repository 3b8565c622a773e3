"""What every relay management function shares: the `{code, message, data}` envelope."""

from suite.envelopes import CodeMessageEnvelope

TITLE = "AI API relay"
VERSION = "1.0.0"
ENVELOPE = CodeMessageEnvelope(success_code=0, success_message="success")
