"""The ``registry`` command line: serve, project, rebuild, audit, accounts, demo."""
