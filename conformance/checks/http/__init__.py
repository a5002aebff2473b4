"""HTTP behaviour every endpoint shares: routing, authentication, the error envelope, robustness."""
