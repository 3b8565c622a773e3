"""One module per endpoint group of the cert-ctrl spec; each exposes `router`."""
