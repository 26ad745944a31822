"""The write side: the application service (one method per command), the writer that runs
commands on one aggregate, accounts and tokens, and the prize policy."""
