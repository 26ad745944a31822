"""The domain: aggregates, events and pure rules. No I/O, imports nothing of ours."""
