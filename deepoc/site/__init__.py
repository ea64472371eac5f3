"""The marketplace web site, rendered from catalog.json and builds.json."""
