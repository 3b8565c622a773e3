"""Request helpers the certctrl routers share (none yet)."""
