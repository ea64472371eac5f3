"""deep-oc: from a machine-learning model to a module of the DEEP-OC marketplace."""

__version__ = "0.1.0"
