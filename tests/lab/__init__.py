"""The lab: the probe tested in a real (namespaced) VPC on one Linux machine."""
