"""One module per endpoint group of the relay spec; each exposes `router`."""
