"""Pages of the desk area."""
