"""migtest: test database migrations the way users live them."""

__version__ = "0.1.0"
