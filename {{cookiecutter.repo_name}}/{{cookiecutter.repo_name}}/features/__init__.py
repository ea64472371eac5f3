"""Turning data into model features."""
