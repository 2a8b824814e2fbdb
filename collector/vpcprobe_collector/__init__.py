"""vpcprobe collector: reads a Lambda function's VPC, runs the probe, and names the cause."""

from vpcprobe import __version__

__all__ = ["__version__"]
