"""One module per dataset recipe."""
