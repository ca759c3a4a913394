"""One builder per asset kind; the registry is :data:`greenpark.model.registry.BUILDERS`."""
