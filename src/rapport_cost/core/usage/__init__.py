"""Q: the activity logs as quantities of every cost driver, by woman and unit-level line."""
