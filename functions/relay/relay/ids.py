"""How relay makes ids (none yet)."""
