"""The demo history of the region's 2025 championships (its data, loader and tokens)."""
