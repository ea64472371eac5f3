"""Getting and preparing the data."""
