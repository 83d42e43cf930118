"""The only layer that talks to a cluster: config, list/watch, raw JSON → model objects."""

from . import lazy_client

lazy_client.install()  # before any module here imports kubernetes_asyncio
