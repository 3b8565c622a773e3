"""One module per endpoint group of the kook spec; each exposes `router`."""
