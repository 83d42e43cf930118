"""Placeholder: filled in by its owner."""

CONTROLLERS: list[type] = []
