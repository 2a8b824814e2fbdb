"""Findings: what the rules conclude, and the diagnosis that carries them to the reports."""
