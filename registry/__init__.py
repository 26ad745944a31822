"""The write side and composition root: settings, mapper, application service, CLI."""
