"""Static path evaluation over a VpcSnapshot: routes, security groups, NACLs, DNS, endpoints."""
