"""Gradient Debugger's PyTorch tracer: records ops, steps and diagnoses of a real training script."""
PROTOCOL_VERSION = 1
