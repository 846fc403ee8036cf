"""Source loaders: one module per format family, each producing canonical cells."""
