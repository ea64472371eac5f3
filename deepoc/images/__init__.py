"""Images: the tag scheme, build once / tag many, smoke test, push, incremental builds.

The pure parts (``tags``, ``buildkey``) never touch Docker; ``engine`` is the only module
that talks to the Docker engine and ``registry`` the only one that talks to a registry.
"""
