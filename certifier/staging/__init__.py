"""The embedded staging server: serves a course on loopback over an emulated network link."""
