"""Second judges: independent clients that read the very bytes the suite received (no second request)."""
