"""Snapshot of a Lambda function's VPC: the model and the AWS readers that fill it."""
