"""Pages of the field area."""
