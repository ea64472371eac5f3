"""The {{ cookiecutter.repo_name }} package: a DEEP-OC module served through the DEEPaaS API."""
