"""Spreadsheets: bytes to tables and tables to bytes (issue 16)."""
