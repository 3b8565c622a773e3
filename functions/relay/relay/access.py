"""Who is calling relay: the suite.auth credentials its routes declare (none yet: only public routes exist)."""
