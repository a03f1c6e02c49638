"""mmquest: replay real Linux memory-management incidents on a simulated machine."""

__version__ = "0.1.0"
