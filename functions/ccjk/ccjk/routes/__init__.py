"""One module per endpoint group of the ccjk spec; each exposes `router`."""
