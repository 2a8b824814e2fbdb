"""Readers: one small function per AWS API kind, turning AWS shapes into snapshot facts."""
