"""The offline replica of the project's sites and the loopback server that serves it.

A replica is a static copy of websites as they would be served: ``manifest.json`` lists, per
canonical URL and snapshot, the HTTP status, headers and file to answer with; the files live
under ``sites/<host>/``. The bundled replica (:data:`DEFAULT_ROOT`) is package data, so it is
there in an installed wheel as in a checkout.

- :mod:`aggregator.replica.manifest`: :data:`DEFAULT_ROOT`, :class:`ManifestEntry`,
  :func:`load_manifest`;
- :mod:`aggregator.replica.server`: :class:`ReplicaServer`, :class:`RequestRecord`;
- :mod:`aggregator.replica.conditional`: when an entry answers 304;
- :mod:`aggregator.replica.cli`: :func:`main`, run as ``python -m aggregator.replica``.

Standard library only.
"""

from aggregator.replica.cli import main
from aggregator.replica.manifest import DEFAULT_ROOT, ManifestEntry, load_manifest
from aggregator.replica.server import ReplicaServer, RequestRecord

__all__ = [
    "DEFAULT_ROOT",
    "ManifestEntry",
    "ReplicaServer",
    "RequestRecord",
    "load_manifest",
    "main",
]
