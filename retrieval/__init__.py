"""Retrieval: dense and keyword search filtered by the caller's groups, fused into ranked sources. No HTTP here."""
