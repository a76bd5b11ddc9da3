"""Records kept after a run: the run history, signed sign-off decisions, and comparison of runs."""
