"""Example implementations: the domain reference and an ML baseline for every dataset."""
