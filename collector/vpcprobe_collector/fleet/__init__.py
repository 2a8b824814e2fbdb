"""`vpcprobe audit`: every VPC function in scope, each VPC read once, judged from its config."""
