"""Publish a baked module: GitHub repositories, pushes and the catalog pull request.

Pure planning lives in ``plan``; the edges are ``github_api`` (PyGithub) and ``gitops``
(the ``git`` command). ``publish`` and ``catalog_add`` tie them together for the CLI.
"""
