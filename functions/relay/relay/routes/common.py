"""Request helpers the relay routers share (none yet)."""
