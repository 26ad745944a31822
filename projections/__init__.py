"""The read side: views built from the event history. Built by the projections issue."""
