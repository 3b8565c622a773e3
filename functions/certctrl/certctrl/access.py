"""Who is calling certctrl: the suite.auth credentials its routes declare (none yet: only public routes exist)."""
