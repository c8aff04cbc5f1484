"""Pages of the tasks area."""
