"""The simulated shop: planted effects, the embedded sample and its writers in every format."""
