"""Hops beyond the function's VPC: peering, transit gateways, VPN end points, Route 53 names."""
