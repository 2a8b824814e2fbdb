"""A sample function used to check that wrapper mode changes nothing for normal events."""
