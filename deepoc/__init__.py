"""deep-oc: from a machine-learning model to a module of the DEEP-OC marketplace."""

from deepoc.resources import shipped_version

__version__ = shipped_version()
