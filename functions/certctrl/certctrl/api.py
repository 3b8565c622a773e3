"""What every certctrl function shares: `{data}` on success, `{error: {code, what}}` on failure."""

from suite.envelopes import DataEnvelope

TITLE = "cert-ctrl API"
VERSION = "1.0.0"
ENVELOPE = DataEnvelope()
