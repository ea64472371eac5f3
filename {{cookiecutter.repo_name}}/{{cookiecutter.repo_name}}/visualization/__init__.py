"""Figures about data, training and results."""
