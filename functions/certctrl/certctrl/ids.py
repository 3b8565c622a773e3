"""How certctrl makes ids (none yet)."""
