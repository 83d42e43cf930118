"""The only layer that talks to a cluster: config, list/watch, raw JSON → model objects."""
