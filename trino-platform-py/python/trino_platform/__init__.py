"""trino-platform: run Trino as a platform from typed APIs.

The cluster registry behind a Trino Gateway::

    from trino_platform import ClusterStore

    with ClusterStore.open("sqlite:///var/lib/trino-platform/gateway.db") as store:
        store.register("trino-1", "http://trino-1:8080", routing_group="etl")
        store.deactivate("trino-1")

and its routing engine::

    from trino_platform import ClusterStore, Router, RoutingRules

    url = "sqlite:///var/lib/trino-platform/gateway.db"
    router = Router(fallback_group="adhoc", store_url=url)  # sticky routes persist in the store
    router.set_rules(RoutingRules.load("/etc/trino-platform/rules.yaml"))
    with ClusterStore.open(url) as store:
        router.set_clusters(store.list())
    decision = router.route("POST", "/v1/statement", headers={"X-Trino-Source": "airflow"})
    print(decision.cluster.proxy_to, decision.reason, decision.rule)

and the gateway server itself, embedded::

    from trino_platform import Gateway

    with Gateway.start(config_path="/etc/trino-platform/gateway.yaml") as gw:
        print(gw.url)  # point Trino clients here; stops (gracefully) when the block ends

Every failure raises a subclass of :class:`TrinoPlatformError` chosen by its kind
(``NotFoundError``, ``InvalidInputError``, ...); ``.kind`` and ``.message`` say what went wrong.
"""

from trino_platform._native import (
    AlreadyExistsError,
    BackendError,
    Cluster,
    ClusterStatus,
    ClusterStore,
    ClusterView,
    ConflictError,
    ForbiddenError,
    Gateway,
    InternalError,
    InvalidInputError,
    NotFoundError,
    OperationTimeoutError,
    RouteDecision,
    Router,
    RoutingRules,
    TrinoPlatformError,
    UnauthorizedError,
    UnavailableError,
    __version__,
)

__all__ = [
    "AlreadyExistsError",
    "BackendError",
    "Cluster",
    "ClusterStatus",
    "ClusterStore",
    "ClusterView",
    "ConflictError",
    "ForbiddenError",
    "Gateway",
    "InternalError",
    "InvalidInputError",
    "NotFoundError",
    "OperationTimeoutError",
    "RouteDecision",
    "Router",
    "RoutingRules",
    "TrinoPlatformError",
    "UnauthorizedError",
    "UnavailableError",
    "__version__",
]
