"""Image data and degradations for training."""
