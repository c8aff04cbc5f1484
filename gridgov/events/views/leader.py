"""Pages of the leader area."""
