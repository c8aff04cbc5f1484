"""Pages of the inbox area."""
