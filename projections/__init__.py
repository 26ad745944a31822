"""The read side: views built from the event history, their queries, time travel, the audit
feed, the seal chain and exports."""
