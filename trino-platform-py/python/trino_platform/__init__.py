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

and the S3 exchange bucket of a workspace, for Trino's fault-tolerant execution::

    from trino_platform import ExchangeBucketSpec, ExchangeBuckets

    spec = ExchangeBucketSpec.load("/etc/trino-platform/exchange.yaml")
    print(spec.exchange_manager_properties())  # etc/exchange-manager.properties
    with ExchangeBuckets.connect(spec) as buckets:
        print(buckets.plan()["changes"])       # what ensure would change
        buckets.ensure()                       # create / converge; idempotent

Ranger for Trino: the coordinator's plugin files, and a local policy engine answering as Ranger
would, both without a network::

    from trino_platform import PolicyEngine, RangerPluginConfig

    config = RangerPluginConfig.from_yaml(open("/etc/trino-platform/ranger.yaml").read())
    for f in config.render():
        print(f.path, f.secret)                # access-control.properties, ranger-*.xml
    engine = PolicyEngine.from_json(open("policies.json").read(), super_users=["trino"])
    engine.evaluate({"user": "alice", "groups": ["analysts"], "access": "select",
                     "resource": {"catalog": "delta", "schema": "sales", "table": "orders"}})

and Keycloak: the platform's OAuth client and the OAuth2 configuration of Trino::

    from trino_platform import KeycloakAdmin, trino_oauth2_properties

    with KeycloakAdmin.connect("https://keycloak.example.com", username="admin", password=pw) as kc:
        client = kc.ensure_client({"realm": "platform", "clientId": "trino",
                                   "externalUrl": "https://trino.example.com", "ensureRealm": True})
        print(client.changed, client.secret)   # the secret prints as ***; .reveal() gives it
    print(trino_oauth2_properties({"issuer": "https://keycloak.example.com/realms/platform",
                                   "clientId": "trino"}, 480))

and a tenant on Kubernetes, from one tenant file: its manifests without a cluster, and its
platform and cluster bundles planned, applied and deleted across S3, Keycloak, Ranger, Kubernetes
and the gateway's registry::

    from trino_platform import Targets, TenantSpec

    tenant = TenantSpec.load("/etc/trino-platform/tenant.yaml")
    tenant.write_files("deploy/")                  # GitOps: one file per object + kustomization.yaml
    with Targets.connect(tenant) as targets:       # kubeconfig (or in-cluster), the registry store
        print(tenant.plan(targets).changes())      # what apply would change
        tenant.apply(targets, progress=lambda e: print(e.system, e.message))

Every class that waits for a network has an asyncio twin, ``Async`` in front of its name, with
the same methods returning awaitables; both run on one runtime, so neither blocks the other::

    import asyncio
    from trino_platform import AsyncClusterStore, AsyncKeycloakAdmin

    async def main() -> None:
        async with AsyncClusterStore.open(url) as store, AsyncKeycloakAdmin.connect(
            "https://keycloak.example.com", username="admin", password=pw
        ) as kc:
            cluster, client = await asyncio.gather(  # both at once
                store.register("trino-1", "http://trino-1:8080"),
                kc.ensure_client({"realm": "platform", "clientId": "trino",
                                  "externalUrl": "https://trino.example.com"}),
            )
            async for c in store.iter(active=True):
                print(c.name)

Every failure raises a subclass of :class:`TrinoPlatformError` chosen by its kind
(``NotFoundError``, ``InvalidInputError``, ...); ``.kind`` and ``.message`` say what went wrong.
"""

from trino_platform._bundle import BundleEventInfo, BundleReportInfo, ClusterFiles, NodeFiles, StepInfo
from trino_platform._exchange import (
    BucketState,
    EncryptionState,
    EnsureReport,
    ExchangeChange,
    ExchangeDescription,
    ExchangePlan,
    LifecycleRuleState,
    PublicAccessBlockState,
    TeardownProgress,
    TeardownReport,
)
from trino_platform._keycloak import EnsuredClientInfo, EnsuredGroup, EnsuredUser, RotatedSecretInfo
from trino_platform._native import (
    AlreadyExistsError,
    AsyncClusterIterator,
    AsyncClusterStore,
    AsyncExchangeBuckets,
    AsyncGateway,
    AsyncKeycloakAdmin,
    AsyncRangerAdmin,
    AsyncRouter,
    AsyncTargets,
    BackendError,
    BundleEvent,
    BundleReport,
    Cluster,
    ClusterBundle,
    ClusterIterator,
    ClusterStatus,
    ClusterStore,
    ClusterView,
    ConflictError,
    EnsuredClient,
    ExchangeBucketSpec,
    ExchangeBuckets,
    ForbiddenError,
    Gateway,
    GatewayDeploymentSpec,
    InternalError,
    InvalidInputError,
    KeycloakAdmin,
    Manifest,
    NotFoundError,
    OperationTimeoutError,
    Opening,
    PlatformBundle,
    PolicyEngine,
    RangerAdmin,
    RangerPluginConfig,
    RenderedFile,
    RotatedSecret,
    RouteDecision,
    Router,
    RoutingRules,
    Secret,
    Step,
    Targets,
    TenantSpec,
    TrinoClusterSpec,
    TrinoPlatformError,
    UnauthorizedError,
    UnavailableError,
    __version__,
    gateway_auth_yaml,
    issuer_url,
    sorted_manifests,
    trino_oauth2_properties,
)
from trino_platform._ranger import (
    ColumnMask,
    Decision,
    ExplainStep,
    Explanation,
    PolicyChange,
    RowFilter,
    SetupReport,
)

__all__ = [
    "AlreadyExistsError",
    "AsyncClusterIterator",
    "AsyncClusterStore",
    "AsyncExchangeBuckets",
    "AsyncGateway",
    "AsyncKeycloakAdmin",
    "AsyncRangerAdmin",
    "AsyncRouter",
    "AsyncTargets",
    "BackendError",
    "BucketState",
    "BundleEvent",
    "BundleEventInfo",
    "BundleReport",
    "BundleReportInfo",
    "Cluster",
    "ClusterBundle",
    "ClusterFiles",
    "ClusterIterator",
    "ClusterStatus",
    "ClusterStore",
    "ClusterView",
    "ColumnMask",
    "ConflictError",
    "Decision",
    "EncryptionState",
    "EnsureReport",
    "EnsuredClient",
    "EnsuredClientInfo",
    "EnsuredGroup",
    "EnsuredUser",
    "ExchangeBucketSpec",
    "ExchangeBuckets",
    "ExchangeChange",
    "ExchangeDescription",
    "ExchangePlan",
    "ExplainStep",
    "Explanation",
    "ForbiddenError",
    "Gateway",
    "GatewayDeploymentSpec",
    "InternalError",
    "InvalidInputError",
    "KeycloakAdmin",
    "LifecycleRuleState",
    "Manifest",
    "NodeFiles",
    "NotFoundError",
    "OperationTimeoutError",
    "Opening",
    "PlatformBundle",
    "PolicyChange",
    "PolicyEngine",
    "PublicAccessBlockState",
    "RangerAdmin",
    "RangerPluginConfig",
    "RenderedFile",
    "RotatedSecret",
    "RotatedSecretInfo",
    "RouteDecision",
    "Router",
    "RoutingRules",
    "RowFilter",
    "Secret",
    "SetupReport",
    "Step",
    "StepInfo",
    "Targets",
    "TeardownProgress",
    "TeardownReport",
    "TenantSpec",
    "TrinoClusterSpec",
    "TrinoPlatformError",
    "UnauthorizedError",
    "UnavailableError",
    "__version__",
    "gateway_auth_yaml",
    "issuer_url",
    "sorted_manifests",
    "trino_oauth2_properties",
]
