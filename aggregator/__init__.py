"""aggregator: crawl AI Weekly and its Chinese mirrors, link them, publish feeds and datasets."""

__version__ = "0.1.0"
