"""The operator's `craftsman` command: rebuilds, dead letters, lag, schemas, the demo."""
