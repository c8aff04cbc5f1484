"""Pages for events: one module per area (desk, field, tasks, inbox, leader)."""
