"""missionkg core library: settings, namespaces, stores, vocabularies, alignment, search and analytics."""

__version__ = "0.1.0"
