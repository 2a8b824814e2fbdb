"""The built-in demo: a seeded moto account, a probe run in the lab, and `vpcprobe diagnose`."""
