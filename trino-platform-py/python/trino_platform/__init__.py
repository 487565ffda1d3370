"""trino-platform: run Trino as a platform from typed APIs.

The cluster registry behind a Trino Gateway::

    from trino_platform import ClusterStore

    with ClusterStore.open("sqlite:///var/lib/trino-platform/gateway.db") as store:
        store.register("trino-1", "http://trino-1:8080", routing_group="etl")
        store.deactivate("trino-1")

Every failure raises a subclass of :class:`TrinoPlatformError` chosen by its kind
(``NotFoundError``, ``InvalidInputError``, ...); ``.kind`` and ``.message`` say what went wrong.
"""

from trino_platform._native import (
    AlreadyExistsError,
    BackendError,
    Cluster,
    ClusterStore,
    ConflictError,
    ForbiddenError,
    InternalError,
    InvalidInputError,
    NotFoundError,
    OperationTimeoutError,
    TrinoPlatformError,
    UnauthorizedError,
    UnavailableError,
    __version__,
)

__all__ = [
    "AlreadyExistsError",
    "BackendError",
    "Cluster",
    "ClusterStore",
    "ConflictError",
    "ForbiddenError",
    "InternalError",
    "InvalidInputError",
    "NotFoundError",
    "OperationTimeoutError",
    "TrinoPlatformError",
    "UnauthorizedError",
    "UnavailableError",
    "__version__",
]
