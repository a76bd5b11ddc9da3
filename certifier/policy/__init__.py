"""Policy and the probe API: profiles of limits, rule declarations, findings, probe discovery,
and the typed evidence probes share."""
