"""vpcprobe: facts about what a Lambda function in a VPC can reach, gathered from inside."""

__version__ = "0.1.0"
