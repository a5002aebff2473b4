"""What more than one endpoint uses: response shapes, the error envelope, stream helpers."""
