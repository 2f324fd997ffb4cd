"""cuncun (村村): a county's rural e-commerce program, end to end."""
