"""Scrapy glue: the shared spider, the spider loader, download-layer middlewares, the
pipelines and the in-process runner."""
