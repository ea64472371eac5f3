"""The model and its DEEPaaS API (``deep_api``)."""
