"""Where a store's untrusted queries run: the query layer owns this, not the store.

A local store (in memory or `oxigraph:DIR`) answers from a pool of long-lived, sandboxed
workers (see worker.WorkerPool), started on first use and dropped whenever the store writes;
a `sparql:` store answers from a one-off child that sends the query to its server.
"""

from __future__ import annotations

import weakref

from . import sandbox
from .worker import DiskWorkers, MemoryWorkers, PoolQuery, PoolSettings, WorkerPool

_pools: "weakref.WeakKeyDictionary[object, WorkerPool]" = weakref.WeakKeyDictionary()
_settings: "weakref.WeakKeyDictionary[object, PoolSettings]" = weakref.WeakKeyDictionary()


def configure(store, settings: PoolSettings) -> None:
    """Use these pool settings for a store's workers (from its next query on)."""
    _settings[store] = settings
    stop(store)


def workers(store) -> WorkerPool:
    """The store's pool of sandboxed query workers, started on first use."""
    pool = _pools.get(store)
    if pool is None:
        starter = DiskWorkers(store.path) if store.path is not None \
            else MemoryWorkers(store.engine_store())
        pool = _pools[store] = WorkerPool(starter, _settings.get(store) or PoolSettings())
        store.on_change(pool.invalidate)
    return pool


def evaluator(store, query: str, kind: str = "SELECT"):
    """The (checked) query, addressed to where this store's queries run (`kind`, the query
    form, matters to remote stores only)."""
    if store.is_remote:
        return store.remote_query(query, kind)
    return PoolQuery(query, workers(store))


def barriers(store) -> tuple[str, ...]:
    """The barriers below the query guard that hold for this store's queries: none for a
    remote store, whose worker needs the network (the server's own configuration stands)."""
    if store.is_remote:
        return ()
    pool = _pools.get(store)
    if pool is not None and pool.barriers is not None:
        return pool.barriers
    return sandbox.probe()


def stop(store) -> None:
    """Stop a store's idle workers (the store is closing, or its settings changed)."""
    pool = _pools.pop(store, None)
    if pool is not None:
        pool.invalidate()
