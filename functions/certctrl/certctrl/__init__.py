"""certctrl: cert-ctrl, certificate lifecycle (ACME and private CAs) delivered to device agents."""
