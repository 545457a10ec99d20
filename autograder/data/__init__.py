"""Data the grader ships: a binarized MNIST subset, and a loader for MNIST in IDX format."""
