"""The desktop GUI (PySide6). The only package of Course Certifier that imports Qt."""
