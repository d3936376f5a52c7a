"""Lowering: a graph of primitives -> tiled, token-synchronized instruction streams."""
