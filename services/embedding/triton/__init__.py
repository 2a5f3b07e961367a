"""Serving the open_clip photo model through NVIDIA Triton Inference Server."""
