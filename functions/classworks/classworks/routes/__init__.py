"""One module per endpoint group of ClassworksKV; each exposes `router`. Paths carry the spec's `/api` base."""
