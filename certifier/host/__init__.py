"""This machine and this installation: desktop facts, user folders and bundled resources.

The platform-specific corner of the core: nothing else looks at the operating system."""
