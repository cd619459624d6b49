"""HTTP front door (aiohttp)."""
