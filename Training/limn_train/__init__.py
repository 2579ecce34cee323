"""Training and export code for the networks Limn ships."""
