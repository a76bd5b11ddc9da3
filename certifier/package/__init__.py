"""Reading a course package: the archive, its inventory, its standard, and what its files load."""
