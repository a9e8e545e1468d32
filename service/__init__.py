"""The astrobench HTTP service: a STAC API with versioned datasets and immutable asset links."""
