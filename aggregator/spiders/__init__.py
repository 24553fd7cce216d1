"""One short binding per site key; Scrapy finds spiders here (``SPIDER_MODULES``)."""
