"""Running probes and the report model: the runner, the verdict, and the report built from evidence."""
