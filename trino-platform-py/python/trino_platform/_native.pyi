"""Type stubs of the extension module ``trino_platform._native`` (hand-written; checked by
``mypy --strict`` over the package and its tests, and against the built module by stubtest).

The asyncio classes (``Async*``) return ``asyncio.Future`` objects of the running event loop:
await them, or pass them to ``asyncio.gather``/``asyncio.wait`` (not ``create_task``, which takes
coroutines)."""

import asyncio
import builtins
import os
import pathlib
import types
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Generic, Literal, TypeAlias, TypeVar, final, overload

from trino_platform._bundle import BundleEventInfo, BundleReportInfo, ClusterFiles, StepInfo
from trino_platform._exchange import (
    EnsureReport,
    ExchangeDescription,
    ExchangePlan,
    TeardownProgress,
    TeardownReport,
)
from trino_platform._keycloak import EnsuredClientInfo, EnsuredGroup, EnsuredUser, RotatedSecretInfo
from trino_platform._ranger import ColumnMask, Decision, Explanation, RowFilter, SetupReport

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
    "BundleEvent",
    "BundleReport",
    "Cluster",
    "ClusterBundle",
    "ClusterIterator",
    "ClusterStatus",
    "ClusterStore",
    "ClusterView",
    "ConflictError",
    "EnsuredClient",
    "ExchangeBucketSpec",
    "ExchangeBuckets",
    "ForbiddenError",
    "Gateway",
    "GatewayDeploymentSpec",
    "InternalError",
    "InvalidInputError",
    "KeycloakAdmin",
    "Manifest",
    "NotFoundError",
    "OperationTimeoutError",
    "Opening",
    "PlatformBundle",
    "PolicyEngine",
    "RangerAdmin",
    "RangerPluginConfig",
    "Ready",
    "RenderedFile",
    "RotatedSecret",
    "RouteDecision",
    "Router",
    "RoutingRules",
    "Secret",
    "Step",
    "Targets",
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

__version__: str

_T_co = TypeVar("_T_co", covariant=True)

@final
class Opening(Generic[_T_co]):
    """What the asyncio classes' factories return (``AsyncClusterStore.open``,
    ``AsyncKeycloakAdmin.connect``, ``AsyncGateway.start``, ...): await it for the opened value,
    or use it as ``async with``, which closes the value on exit. Made only by those factories."""

    def __await__(self) -> Generator[Any, None, _T_co]: ...
    @classmethod
    def __class_getitem__(cls, item: Any) -> types.GenericAlias: ...
    def __aenter__(self) -> asyncio.Future[_T_co]:
        """Waits for the opened value and gives it to the block."""
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Awaitable[Literal[False] | None]:
        """Closes the opened value; an exception raised in the block propagates."""

@final
class Ready(Generic[_T_co]):
    """An awaitable that is done already (what ``__aenter__`` and the no-wait ``close()`` methods
    of the asyncio classes return). Made only by trino_platform."""

    def __await__(self) -> Generator[Any, None, _T_co]: ...
    @classmethod
    def __class_getitem__(cls, item: Any) -> types.GenericAlias: ...
    def __iter__(self) -> Ready[_T_co]: ...
    def __next__(self) -> Any: ...

@final
class ClusterIterator:
    """The clusters of a listing, one at a time (``ClusterStore.iter``). The store is read on the
    first ``next()``, which raises what ``ClusterStore.list`` raises."""

    def __iter__(self) -> ClusterIterator: ...
    def __next__(self) -> Cluster: ...

@final
class AsyncClusterIterator:
    """The clusters of a listing, one at a time, for ``async for`` (``AsyncClusterStore.iter``).
    The store is read on the first step, which raises what ``AsyncClusterStore.list`` raises."""

    def __aiter__(self) -> AsyncClusterIterator: ...
    def __anext__(self) -> asyncio.Future[Cluster]: ...

_ErrorKindName = Literal[
    "InvalidInput",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "Unauthorized",
    "Forbidden",
    "Unavailable",
    "Timeout",
    "Backend",
    "Internal",
]

class TrinoPlatformError(Exception):
    """Base class of every trino_platform error."""

    kind: _ErrorKindName
    """The kind's name (``"NotFound"``, ...): branch on this or on the class, never on the message."""
    message: str
    """What was wrong and what to do; never contains a secret."""

class InvalidInputError(TrinoPlatformError, ValueError):
    """A value passed in can never succeed (bad name, URL, spec or file)."""

    kind: Literal["InvalidInput"]

class NotFoundError(TrinoPlatformError, LookupError):
    """The named thing does not exist."""

    kind: Literal["NotFound"]

class AlreadyExistsError(TrinoPlatformError):
    """A thing with that identity exists already."""

    kind: Literal["AlreadyExists"]

class ConflictError(TrinoPlatformError):
    """The current state forbids the operation (also: use in a process forked after the runtime started)."""

    kind: Literal["Conflict"]

class UnauthorizedError(TrinoPlatformError, PermissionError):
    """Credentials are missing or wrong."""

    kind: Literal["Unauthorized"]

class ForbiddenError(TrinoPlatformError, PermissionError):
    """Credentials are valid but lack the permission."""

    kind: Literal["Forbidden"]

class UnavailableError(TrinoPlatformError, ConnectionError):
    """A service could not be reached or refused to serve now; retrying may help."""

    kind: Literal["Unavailable"]

class OperationTimeoutError(TrinoPlatformError, TimeoutError):
    """An operation did not finish in time; retrying may help."""

    kind: Literal["Timeout"]

class BackendError(TrinoPlatformError):
    """A backend answered with an error that is none of the others."""

    kind: Literal["Backend"]

class InternalError(TrinoPlatformError):
    """A bug in trino-platform; please report it."""

    kind: Literal["Internal"]

@final
class Cluster:
    """A Trino cluster registered behind the gateway (immutable, comparable, hashable)."""

    def __new__(
        cls,
        name: str,
        proxy_to: str,
        *,
        external_url: str | None = None,
        routing_group: str | None = None,
        active: bool = True,
    ) -> Cluster:
        """A cluster value, validated as a registration is (for routers fed without a store).
        ``external_url`` defaults to ``proxy_to``, ``routing_group`` to ``"adhoc"``.

        Raises InvalidInputError (invalid name, URL or group).
        """
    @property
    def name(self) -> str:
        """Unique name."""
    @property
    def proxy_to(self) -> str:
        """Where the gateway sends requests and health probes."""
    @property
    def external_url(self) -> str:
        """The URL people and links use."""
    @property
    def routing_group(self) -> str:
        """The routing group it serves."""
    @property
    def active(self) -> bool:
        """Whether it takes new queries."""
    def to_dict(self) -> dict[str, Any]:
        """The JSON form: keys ``name``, ``proxyTo``, ``externalUrl``, ``routingGroup``, ``active``."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ClusterStore:
    """Where cluster registrations live: ``sqlite:///path.db`` or ``postgres://user:password@host/db``.

    Every method blocks with the GIL released (Ctrl-C interrupts it); ``with ClusterStore.open(url)
    as store:`` closes it on exit. ``AsyncClusterStore`` is the same for asyncio.
    """

    @classmethod
    def open(cls, url: str) -> ClusterStore:
        """Opens (creating and migrating as needed) the store at ``url``.

        Raises InvalidInputError (unsupported URL), UnauthorizedError, UnavailableError.
        """
    def register(
        self,
        name: str,
        proxy_to: str,
        *,
        external_url: str | None = None,
        routing_group: str | None = None,
        active: bool = True,
    ) -> Cluster:
        """Registers a cluster; raises AlreadyExistsError, InvalidInputError."""
    def update(
        self,
        name: str,
        *,
        proxy_to: str | None = None,
        external_url: str | None = None,
        routing_group: str | None = None,
        active: bool | None = None,
    ) -> Cluster:
        """Changes only the given fields; raises NotFoundError, InvalidInputError."""
    def activate(self, name: str) -> Cluster:
        """Lets the cluster take new queries; raises NotFoundError."""
    def deactivate(self, name: str) -> Cluster:
        """Stops new queries going to the cluster; raises NotFoundError."""
    def remove(self, name: str) -> Cluster:
        """Deletes the cluster and returns what it was; raises NotFoundError."""
    def get(self, name: str) -> Cluster:
        """One cluster; raises NotFoundError."""
    def list(self, *, routing_group: str | None = None, active: bool | None = None) -> builtins.list[Cluster]:
        """The clusters passing the filter, sorted by name."""
    def iter(self, *, routing_group: str | None = None, active: bool | None = None) -> ClusterIterator:
        """The clusters ``list`` returns, one at a time (``for c in store.iter(active=True):``);
        the store is read on the first ``next()``."""
    def close(self) -> None:
        """Closes the connections; later calls raise UnavailableError."""
    def __enter__(self) -> ClusterStore: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Literal[False]: ...

@final
class AsyncClusterStore:
    """``ClusterStore`` for asyncio: the same store and methods, each returning an awaitable (an
    ``asyncio.Future`` of the running loop; cancelling it stops the call). The event loop never
    waits for the database.

    ``async with AsyncClusterStore.open(url) as store:`` closes it on exit.
    """

    @classmethod
    def open(cls, url: str) -> Opening[AsyncClusterStore]:
        """Opens (creating and migrating as needed) the store at ``url``.

        Raises InvalidInputError (unsupported URL) at once; when awaited, UnauthorizedError,
        UnavailableError. RuntimeError without a running event loop.
        """
    def register(
        self,
        name: str,
        proxy_to: str,
        *,
        external_url: str | None = None,
        routing_group: str | None = None,
        active: bool = True,
    ) -> asyncio.Future[Cluster]:
        """Registers a cluster; raises AlreadyExistsError, InvalidInputError."""
    def update(
        self,
        name: str,
        *,
        proxy_to: str | None = None,
        external_url: str | None = None,
        routing_group: str | None = None,
        active: bool | None = None,
    ) -> asyncio.Future[Cluster]:
        """Changes only the given fields; raises NotFoundError, InvalidInputError."""
    def activate(self, name: str) -> asyncio.Future[Cluster]:
        """Lets the cluster take new queries; raises NotFoundError."""
    def deactivate(self, name: str) -> asyncio.Future[Cluster]:
        """Stops new queries going to the cluster; raises NotFoundError."""
    def remove(self, name: str) -> asyncio.Future[Cluster]:
        """Deletes the cluster and returns what it was; raises NotFoundError."""
    def get(self, name: str) -> asyncio.Future[Cluster]:
        """One cluster; raises NotFoundError."""
    def list(
        self, *, routing_group: str | None = None, active: bool | None = None
    ) -> asyncio.Future[builtins.list[Cluster]]:
        """The clusters passing the filter, sorted by name."""
    def iter(self, *, routing_group: str | None = None, active: bool | None = None) -> AsyncClusterIterator:
        """The clusters ``list`` returns, one at a time (``async for c in store.iter():``); the
        store is read on the first step."""
    def close(self) -> asyncio.Future[None]:
        """Closes the connections; later calls raise UnavailableError."""
    def __aenter__(self) -> Awaitable[AsyncClusterStore]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Awaitable[None]: ...

_SelectionPolicy: TypeAlias = Literal["leastLoaded", "roundRobin", "weighted"]
_RouteReason: TypeAlias = Literal["query", "oauth2Login", "header", "rule", "default"]
_Headers: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]

@final
class RoutingRules:
    """Which routing group a new query goes to: an ordered, validated rule set (immutable).

    Rules are tried in ascending ``priority``, equal priorities in file order; the first whose
    ``when`` holds decides the group (and its ``addHeaders``). ``len(rules)`` is the number of rules.
    """

    @classmethod
    def from_yaml(cls, text: str) -> RoutingRules:
        """Parses and validates a typed rules file (``groups``, ``rules: [{name, priority, when,
        routingGroup, addHeaders}]``).

        Raises InvalidInputError naming the rule and its line.
        """
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RoutingRules:
        """Reads and validates a typed rules file.

        Raises InvalidInputError when the file cannot be read or is invalid (naming the file,
        the rule and its line).
        """
    @classmethod
    def from_trino_gateway_yaml(cls, text: str) -> RoutingRules:
        """Imports trino-gateway's MVEL rules file, keeping its meaning (every rule fires, the last
        ``routingGroup`` put wins).

        Raises InvalidInputError for YAML or MVEL the import does not support, naming the rule.
        """
    def __len__(self) -> int:
        """The number of rules."""

@final
class ClusterStatus:
    """Health and load of a cluster, as a health monitor reports them (immutable, comparable,
    hashable)."""

    def __new__(cls, *, healthy: bool = True, queued: int = 0, running: int = 0) -> ClusterStatus:
        """A status; the defaults are healthy and idle."""
    @property
    def healthy(self) -> bool:
        """Whether the cluster answers and is not starting."""
    @property
    def queued(self) -> int:
        """Queries waiting in the cluster's queue."""
    @property
    def running(self) -> int:
        """Queries running on the cluster."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ClusterView:
    """A registered cluster with its live status, as the router sees it (a snapshot)."""

    @property
    def cluster(self) -> Cluster:
        """The registration."""
    @property
    def status(self) -> ClusterStatus:
        """Health and load from the last ``Router.set_status``."""
    @property
    def healthy(self) -> bool:
        """Whether the cluster answers and is not starting."""
    @property
    def queued(self) -> int:
        """Queries waiting in the cluster's queue."""
    @property
    def running(self) -> int:
        """Queries running on the cluster."""
    @property
    def in_flight(self) -> int:
        """Requests in flight through this router."""

@final
class RouteDecision:
    """Where a request goes and why (immutable). Returned by ``Router.route``."""

    @property
    def cluster(self) -> Cluster:
        """The chosen cluster."""
    @property
    def routing_group(self) -> str:
        """The group the request was routed in (the fallback group when it fell back)."""
    @property
    def reason(self) -> _RouteReason:
        """Why: ``"query"`` (follows up a query the cluster runs), ``"oauth2Login"`` (a leg of an
        OAuth2 login the cluster started), ``"header"`` (``X-Trino-Routing-Group``), ``"rule"``
        (the rule named by ``rule``) or ``"default"`` (no rule matched)."""
    @property
    def rule(self) -> str | None:
        """The rule that chose the group, when ``reason`` is ``"rule"``."""
    @property
    def query_id(self) -> str | None:
        """The query id the request follows up, when ``reason`` is ``"query"``."""
    @property
    def fell_back_from(self) -> str | None:
        """The group first chosen, when the request fell back from it."""
    @property
    def add_headers(self) -> dict[str, str]:
        """Headers to set on the forwarded request (the deciding rule's ``addHeaders``)."""

@final
class Router:
    """Decides which cluster serves a request, and why.

    In order: a query id in the path or query string goes to the cluster that runs the query; an
    OAuth2 leg to the coordinator that issued the challenge; otherwise the routing group is the
    ``X-Trino-Routing-Group`` header (when honoured), else the first matching rule's, else
    ``default_group``, and a healthy, active cluster of that group is picked by ``policy`` (or of
    ``fallback_group``). Thread-safe; ``route``, ``flush`` and ``close`` release the GIL.
    ``with Router(store_url=...) as router:`` writes the pending sticky routes and closes the store
    on exit.
    """

    def __new__(
        cls,
        *,
        default_group: str = "adhoc",
        fallback_group: str | None = None,
        honor_routing_group_header: bool = False,
        policy: _SelectionPolicy = "leastLoaded",
        weights: Mapping[str, int] | None = None,
        store_url: str | None = None,
    ) -> Router:
        """A router. ``policy``: ``"leastLoaded"`` (fewest queued + running + in-flight),
        ``"roundRobin"`` or ``"weighted"`` (by ``weights``, default 1; 0 takes no new queries).
        With ``store_url`` (``sqlite:///path.db`` or ``postgres://...``, opened and migrated as
        needed) sticky routes persist there, shared with routers on the same store.

        Raises InvalidInputError (bad group, policy, cluster name or URL), UnauthorizedError,
        UnavailableError (the store cannot be reached).
        """
    def set_rules(self, rules: RoutingRules) -> None:
        """Replaces the rules atomically: each request sees the old set or the new one, whole."""
    def load_rules(self, path: str | os.PathLike[str]) -> int:
        """Loads a typed rules file and swaps it in; returns the number of rules.

        Raises InvalidInputError (naming the file, rule and line) and then keeps the current rules.
        """
    def set_clusters(self, clusters: Iterable[Cluster]) -> None:
        """Replaces the registered clusters (e.g. with ``store.list()``); the health, load and
        in-flight counts of clusters that stay are kept."""
    def set_status(self, name: str, *, healthy: bool = True, queued: int = 0, running: int = 0) -> None:
        """Records a cluster's health and load; raises NotFoundError for an unknown cluster."""
    def clusters(self) -> builtins.list[ClusterView]:
        """Every registered cluster with its status and in-flight count, sorted by name."""
    def route(
        self,
        method: str,
        path: str,
        *,
        headers: _Headers | None = None,
        principal: str | None = None,
    ) -> RouteDecision:
        """Decides where a request goes. ``path`` may carry a query string; header names match in
        any case; ``principal`` (the authenticated user) outranks ``X-Trino-User``.

        Raises NotFoundError (unknown query id), UnavailableError (no healthy, active cluster can
        take it), InvalidInputError (a malformed ``X-Trino-Routing-Group`` the router honours).
        """
    def record_query(
        self, query_id: str, cluster_name: str, *, user: str | None = None, source: str | None = None
    ) -> None:
        """Remembers that the named cluster runs ``query_id`` (call it on the first response to
        ``POST /v1/statement``); persisted in the background when the router has a store.

        Raises InvalidInputError (malformed query id), NotFoundError (a cluster the router does
        not know).
        """
    def record_oauth2_challenge(self, www_authenticate: str, cluster_name: str) -> int:
        """Pins the OAuth2 login ids of a 401's ``WWW-Authenticate`` header to the named cluster;
        returns how many it pinned (0 for no Trino OAuth2 challenge). Raises NotFoundError."""
    def oauth2_cookie(self, cluster_name: str) -> str:
        """The ``Set-Cookie`` value pinning a browser's OAuth2 callback to the named cluster (set
        it on the response to ``/oauth2/token/initiate/...``). Raises InvalidInputError."""
    def flush(self) -> None:
        """Waits until every sticky route recorded so far is written to the store."""
    def close(self) -> None:
        """Writes the pending sticky routes and closes the store's connections; later calls raise
        ConflictError. Idempotent."""
    def __enter__(self) -> Router: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Literal[False]: ...

@final
class AsyncRouter:
    """``Router`` for asyncio: the same engine and methods; ``route``, ``flush`` and ``close``
    return awaitables (a route may read the store for a query id it has not seen), the others
    need no waiting.

    ``AsyncRouter(...)`` keeps sticky routes in memory; ``async with AsyncRouter.open(store_url)
    as router:`` persists them to a store and closes it on exit.
    """

    def __new__(
        cls,
        *,
        default_group: str = "adhoc",
        fallback_group: str | None = None,
        honor_routing_group_header: bool = False,
        policy: _SelectionPolicy = "leastLoaded",
        weights: Mapping[str, int] | None = None,
    ) -> AsyncRouter:
        """A router keeping sticky routes in memory (the keywords are ``Router``'s).
        Raises InvalidInputError."""
    @classmethod
    def open(
        cls,
        store_url: str,
        *,
        default_group: str = "adhoc",
        fallback_group: str | None = None,
        honor_routing_group_header: bool = False,
        policy: _SelectionPolicy = "leastLoaded",
        weights: Mapping[str, int] | None = None,
    ) -> Opening[AsyncRouter]:
        """A router persisting sticky routes to the store at ``store_url`` (opened and migrated
        as needed). Raises InvalidInputError at once; when awaited, UnauthorizedError,
        UnavailableError."""
    def set_rules(self, rules: RoutingRules) -> None:
        """Replaces the rules atomically."""
    def load_rules(self, path: str | os.PathLike[str]) -> int:
        """Loads a typed rules file and swaps it in; returns the number of rules."""
    def set_clusters(self, clusters: Iterable[Cluster]) -> None:
        """Replaces the registered clusters; health, load and in-flight counts are kept."""
    def set_status(self, name: str, *, healthy: bool = True, queued: int = 0, running: int = 0) -> None:
        """Records a cluster's health and load; raises NotFoundError for an unknown cluster."""
    def clusters(self) -> builtins.list[ClusterView]:
        """Every registered cluster with its status and in-flight count, sorted by name."""
    def route(
        self,
        method: str,
        path: str,
        *,
        headers: _Headers | None = None,
        principal: str | None = None,
    ) -> asyncio.Future[RouteDecision]:
        """Decides where a request goes (see ``Router.route``)."""
    def record_query(
        self, query_id: str, cluster_name: str, *, user: str | None = None, source: str | None = None
    ) -> None:
        """Remembers that the named cluster runs ``query_id``."""
    def record_oauth2_challenge(self, www_authenticate: str, cluster_name: str) -> int:
        """Pins the OAuth2 login ids of a challenge to the named cluster; returns how many."""
    def oauth2_cookie(self, cluster_name: str) -> str:
        """The ``Set-Cookie`` value pinning an OAuth2 callback to the named cluster."""
    def flush(self) -> asyncio.Future[None]:
        """Waits until every sticky route recorded so far is written to the store."""
    def close(self) -> asyncio.Future[None]:
        """Writes the pending sticky routes and closes the store; later calls raise ConflictError."""
    def __aenter__(self) -> Awaitable[AsyncRouter]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Awaitable[None]: ...

@final
class Gateway:
    """A running Trino Gateway (listeners, streaming proxy, health monitor, admin API, metrics),
    configured by a ``gateway.yaml`` document (the CLI's format, see ``examples/gateway.yaml``).
    It serves on trino_platform's runtime threads; Python code keeps running meanwhile.

    ``with Gateway.start(config=text) as gw:`` stops it on exit.
    """

    @classmethod
    def start(cls, *, config: str | None = None, config_path: str | os.PathLike[str] | None = None) -> Gateway:
        """Starts a gateway from YAML text (``config``; relative paths in it are taken from the
        working directory) or a file (``config_path``; relative paths from its directory):
        exactly one of the two. ``${ENV:NAME}`` is replaced by the environment variable.
        Returns once the listeners are bound and the first health probe pass has run.

        Raises InvalidInputError (bad or unreadable config, rules or TLS files; neither or both
        arguments), UnavailableError (store unreachable, address in use), UnauthorizedError
        (store credentials rejected).
        """
    @property
    def http_address(self) -> str | None:
        """The bound plain-HTTP address (``"127.0.0.1:8080"``; the real port when the config
        asked for port 0), or None without an HTTP listener."""
    @property
    def https_address(self) -> str | None:
        """The bound HTTPS address, or None without an HTTPS listener."""
    @property
    def url(self) -> str | None:
        """``http://host:port`` (else ``https://...``) to reach it from this host; an unspecified
        bind address such as ``0.0.0.0`` becomes the loopback address."""
    def stop(self) -> None:
        """Stops accepting connections, lets in-flight requests finish (up to 30 s), writes pending
        sticky routes and closes the store; blocks with the GIL released. Idempotent."""
    def __enter__(self) -> Gateway: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Literal[False]: ...

@final
class AsyncGateway:
    """``Gateway`` for asyncio: ``async with AsyncGateway.start(config=text) as gw:`` starts a
    gateway and stops it on exit. The event loop keeps running while it starts, serves and drains."""

    @classmethod
    def start(
        cls, *, config: str | None = None, config_path: str | os.PathLike[str] | None = None
    ) -> Opening[AsyncGateway]:
        """Starts a gateway (see ``Gateway.start``). Raises InvalidInputError at once for neither
        or both arguments; when awaited, what ``Gateway.start`` raises."""
    @property
    def http_address(self) -> str | None:
        """The bound plain-HTTP address, or None without an HTTP listener."""
    @property
    def https_address(self) -> str | None:
        """The bound HTTPS address, or None without an HTTPS listener."""
    @property
    def url(self) -> str | None:
        """The URL to reach it from this host (see ``Gateway.url``)."""
    def stop(self) -> asyncio.Future[None]:
        """Stops it gracefully (see ``Gateway.stop``). Idempotent."""
    def __aenter__(self) -> Awaitable[AsyncGateway]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Awaitable[None]: ...

@final
class ExchangeBucketSpec:
    """What a workspace's S3 exchange bucket (for Trino's fault-tolerant execution) should look
    like: immutable and validated. The secrets in ``credentials`` never appear in ``repr``,
    ``to_dict`` or the rendered properties and policies."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExchangeBucketSpec:
        """A spec from its JSON form: the camelCase keys of the YAML files (``{"workspace":
        "acme", "region": "eu-central-1", "lifecycle": {"expireAfterDays": 2}}``), validated as
        ``from_yaml`` validates a file.

        Raises InvalidInputError naming the path of the field (unknown keys included; values under
        secret keys shown as ``***``), TypeError for values that are not JSON data.
        """
    @classmethod
    def from_yaml(cls, text: str) -> ExchangeBucketSpec:
        """Parses and validates a YAML spec; raises InvalidInputError naming the field."""
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ExchangeBucketSpec:
        """Reads and validates a YAML spec file; raises InvalidInputError naming the file and field."""
    @property
    def workspace(self) -> str:
        """The workspace the bucket serves."""
    @property
    def bucket_name(self) -> str:
        """``bucket`` when given, else derived from ``bucketPrefix`` and ``workspace``."""
    @property
    def region(self) -> str | None:
        """The AWS region, or None (an S3-compatible endpoint without one)."""
    @property
    def endpoint(self) -> str | None:
        """The endpoint of an S3-compatible store, or None (AWS S3)."""
    def to_dict(self) -> dict[str, Any]:
        """The JSON form (camelCase, every default filled in) without secrets: ``credentials``
        keeps only ``accessKeyId``."""
    def exchange_manager_properties(self) -> str:
        """``etc/exchange-manager.properties`` (Java properties, sorted)."""
    def fault_tolerant_execution_properties(self) -> str:
        """The fault-tolerant-execution part of ``etc/config.properties``."""
    def bucket_policy(self) -> dict[str, Any] | None:
        """The bucket policy ``ensure`` puts on the bucket, or None when the spec wants none."""
    def trino_iam_policy(self) -> dict[str, Any]:
        """The least-privilege IAM policy the Trino nodes' role needs for the bucket."""

@final
class ExchangeBuckets:
    """The exchange bucket of one spec, with an S3 client for it. Every method blocks with the
    GIL released, retries transient S3 failures, and is safe to rerun.

    ``with ExchangeBuckets.connect(spec) as buckets:`` closes the client on exit.
    """

    @classmethod
    def connect(
        cls,
        spec: ExchangeBucketSpec,
        *,
        max_attempts: int | None = None,
        initial_backoff: float | None = None,
        max_backoff: float | None = None,
        connect_timeout: float | None = None,
        attempt_timeout: float | None = None,
    ) -> ExchangeBuckets:
        """Builds the S3 client (credentials from the spec, else the AWS default chain); makes no
        request. Times in seconds; None keeps the default (8 attempts, backoff 0.2 s doubling up
        to 20 s, connect 5 s, attempt 60 s). Raises InvalidInputError."""
    @property
    def spec(self) -> ExchangeBucketSpec:
        """The spec."""
    @property
    def bucket(self) -> str:
        """The bucket's name."""
    def plan(self) -> ExchangePlan:
        """What ``ensure`` would change; changes nothing.

        Raises ForbiddenError (another account's bucket), ConflictError (bucket in another
        region), else the kind of the S3 failure (UnavailableError, OperationTimeoutError: rerun).
        """
    def ensure(self, *, adopt: bool = False) -> EnsureReport:
        """Creates the bucket if needed and converges every setting that differs from the spec.

        Raises what ``plan`` raises, AlreadyExistsError (someone else's bucket) and ConflictError
        (managed for another workspace), unless ``adopt``.
        """
    def describe(self) -> ExchangeDescription:
        """The bucket's configuration as S3 reports it, and its drift from the spec."""
    def teardown(
        self,
        *,
        force: bool = False,
        batch_size: int = 1000,
        progress: Callable[[TeardownProgress], object] | None = None,
    ) -> TeardownReport:
        """Deletes the bucket and everything in it (``batch_size`` keys per request, 1 to 1000).

        ``progress`` is called at each step and after each batch, on the calling thread with the
        GIL held. If it raises, the teardown stops at its next S3 request and the exception
        propagates (rerun to finish); it is not called again.

        Raises ConflictError (not managed for this workspace, unless ``force``; keeps receiving
        objects), InvalidInputError (``batch_size``), TypeError (``progress`` not callable),
        else the kind of the S3 failure.
        """
    def close(self) -> None:
        """Closes the S3 client; later calls raise ConflictError. Idempotent."""
    def __enter__(self) -> ExchangeBuckets: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Literal[False]: ...

@final
class AsyncExchangeBuckets:
    """``ExchangeBuckets`` for asyncio: the same client and methods, each returning an awaitable.
    ``async with AsyncExchangeBuckets.connect(spec) as buckets:`` closes the client on exit."""

    @classmethod
    def connect(
        cls,
        spec: ExchangeBucketSpec,
        *,
        max_attempts: int | None = None,
        initial_backoff: float | None = None,
        max_backoff: float | None = None,
        connect_timeout: float | None = None,
        attempt_timeout: float | None = None,
    ) -> Opening[AsyncExchangeBuckets]:
        """Builds the S3 client (see ``ExchangeBuckets.connect``). Raises InvalidInputError."""
    @property
    def spec(self) -> ExchangeBucketSpec:
        """The spec."""
    @property
    def bucket(self) -> str:
        """The bucket's name."""
    def plan(self) -> asyncio.Future[ExchangePlan]:
        """What ``ensure`` would change; changes nothing."""
    def ensure(self, *, adopt: bool = False) -> asyncio.Future[EnsureReport]:
        """Creates the bucket if needed and converges every setting that differs from the spec."""
    def describe(self) -> asyncio.Future[ExchangeDescription]:
        """The bucket's configuration as S3 reports it, and its drift from the spec."""
    def teardown(
        self,
        *,
        force: bool = False,
        batch_size: int = 1000,
        progress: Callable[[TeardownProgress], object] | None = None,
    ) -> asyncio.Future[TeardownReport]:
        """Deletes the bucket and everything in it (see ``ExchangeBuckets.teardown``).

        ``progress`` is called with the same dicts, in order, on the event loop's thread (keep it
        quick). If it raises, the teardown stops at its next S3 request and the exception
        propagates from the awaited call. TypeError at once when it is not callable.
        """
    def close(self) -> Awaitable[None]:
        """Closes the S3 client; later calls raise ConflictError. Idempotent."""
    def __aenter__(self) -> Awaitable[AsyncExchangeBuckets]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Awaitable[None]: ...

_JsonData: TypeAlias = Mapping[str, Any]

@final
class Secret:
    """A secret value (a client secret, a password): ``repr`` and ``str`` show ``***``;
    ``reveal()`` returns the value. Compares equal to a Secret of the same value; cannot be
    pickled."""

    def __new__(cls, value: str) -> Secret:
        """Wraps ``value``."""
    def reveal(self) -> str:
        """The value itself."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class RenderedFile:
    """One file rendered from a RangerPluginConfig (immutable, comparable). ``repr`` never shows
    the contents."""

    @property
    def name(self) -> str:
        """The file name (``ranger-trino-security.xml``)."""
    @property
    def path(self) -> str:
        """The absolute path on the coordinator (``/etc/trino/ranger-trino-security.xml``)."""
    @property
    def contents(self) -> str:
        """The text of the file."""
    @property
    def secret(self) -> bool:
        """Whether it holds a secret value: mount it from a Kubernetes Secret, not a ConfigMap."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class RangerPluginConfig:
    """The Ranger plugin configuration of a Trino coordinator (immutable, validated): the Ranger
    service, Ranger Admin URLs, policy download and cache, super users, audit, TLS, overrides."""

    @classmethod
    def from_dict(cls, data: _JsonData) -> RangerPluginConfig:
        """A config from its JSON form, the camelCase keys of the YAML files (``{"serviceName":
        "dev_trino", "adminUrls": ["http://ranger-admin:6080"], "downloadAuth": {"username":
        "trino", "password": {"env": "RANGER_PASSWORD"}}}``), validated.

        Raises InvalidInputError naming the path of the field (unknown keys included; never a
        password), TypeError for values that are not JSON data.
        """
    @classmethod
    def from_yaml(cls, text: str) -> RangerPluginConfig:
        """Parses and validates a YAML (or JSON) config; raises InvalidInputError naming the key."""
    @property
    def service_name(self) -> str:
        """The Ranger service holding Trino's policies (``ranger.service.name``)."""
    @property
    def admin_urls(self) -> builtins.list[str]:
        """The Ranger Admin URLs, as given."""
    @property
    def env(self) -> builtins.list[str]:
        """The environment variables the files refer to (``${env.NAME}``), sorted."""
    def render(self) -> builtins.list[RenderedFile]:
        """``access-control.properties``, ``ranger-trino-security.xml``,
        ``ranger-trino-audit.xml`` and (with ``ssl``) ``ranger-policymgr-ssl.xml``."""

_Roles: TypeAlias = str | Mapping[str, Any]

@final
class PolicyEngine:
    """A Trino service's Ranger policies, answering requests the way Ranger answers Trino's
    plugin, without a Ranger Admin or a Trino (immutable, thread-safe)."""

    @classmethod
    def from_json(
        cls,
        text: str,
        *,
        roles: _Roles | None = None,
        super_users: Sequence[str] = ...,
        super_groups: Sequence[str] = ...,
    ) -> PolicyEngine:
        """Loads policies from JSON text: the plugin's download (``ServicePolicies``), a Ranger
        export, or an array of policies. ``roles``: a Ranger roles document (JSON text or data);
        ``super_users`` / ``super_groups``: the plugin config's.

        Raises InvalidInputError naming the policy and field (malformed JSON, unknown resource,
        access or mask type; conditions, validity schedules, zones, deltas: not supported).
        """
    @classmethod
    def from_policies(
        cls,
        policies: Sequence[_JsonData] | _JsonData,
        *,
        roles: _Roles | None = None,
        super_users: Sequence[str] = ...,
        super_groups: Sequence[str] = ...,
    ) -> PolicyEngine:
        """``from_json`` on Python data: a list of policies or a ``ServicePolicies`` / export dict.

        Raises what ``from_json`` raises, TypeError for values that are not JSON data.
        """
    @property
    def service_name(self) -> str | None:
        """The service name of a download, if it said."""
    @property
    def policy_version(self) -> int | None:
        """The policy version of a download, if it said."""
    @property
    def policy_count(self) -> int:
        """The number of enforced policies (access, data mask, row filter)."""
    @property
    def warnings(self) -> builtins.list[str]:
        """What was loaded but cannot be honoured (tag policies, unexpanded macros)."""
    def evaluate(self, request: _JsonData) -> Decision:
        """Decides ``{user, groups?, roles?, resource: {catalog: ..., ...}, access, scope?}``
        (``access``: ``select``, ..., or ``_any``; ``scope``: ``self`` or ``selfOrDescendants``).

        Raises InvalidInputError (malformed request, unknown resource or access type, a resource
        that is not a Trino resource path).
        """
    def explain(self, request: _JsonData) -> Explanation:
        """``evaluate``, with every policy looked at, in Ranger's order, and what it did."""
    def evaluate_action(
        self,
        check: str,
        target: str = ...,
        *,
        user: str,
        groups: Sequence[str] = ...,
        roles: Sequence[str] = ...,
        columns: Sequence[str] = ...,
        new_target: str | None = None,
    ) -> Decision:
        """Decides a Trino check (``selectFromColumns`` or ``select-from-columns``, ...) on
        ``target`` (user, query id, property, or dotted object name): the decision of the first
        denied Ranger request it makes, or of the last one when all are allowed.

        Raises InvalidInputError (unknown check, a target that does not fit it).
        """
    def column_mask(
        self,
        user: str,
        *,
        catalog: str,
        schema: str,
        table: str,
        column: str,
        groups: Sequence[str] = ...,
        roles: Sequence[str] = ...,
        column_type: str = "varchar",
    ) -> ColumnMask | None:
        """The mask Trino's plugin applies to the column for ``user`` (``column_type``: Trino's
        display name of its type), or None when it is shown as is. Raises InvalidInputError."""
    def row_filter(
        self,
        user: str,
        *,
        catalog: str,
        schema: str,
        table: str,
        groups: Sequence[str] = ...,
        roles: Sequence[str] = ...,
    ) -> RowFilter | None:
        """The row filter Trino's plugin adds to the table for ``user``, or None.
        Raises InvalidInputError."""

@final
class RangerAdmin:
    """A client of one Ranger Admin, as one user (HTTP Basic). Connecting makes no request;
    every method blocks with the GIL released. ``with RangerAdmin.connect(...) as admin:``
    closes it on exit."""

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        username: str,
        password: str | Secret,
        timeout: float | None = None,
        ca_certificates_pem: str | None = None,
    ) -> RangerAdmin:
        """A client for Ranger Admin at ``url``; ``timeout`` per request in seconds (default 30),
        ``ca_certificates_pem``: extra CA certificates to trust. Makes no request.

        Raises InvalidInputError (bad URL, empty user name, bad timeout or PEM).
        """
    @property
    def url(self) -> str:
        """Ranger Admin's base URL."""
    def ensure(self, spec: _JsonData) -> SetupReport:
        """Converges the Trino service, the baseline policies and the named policies of ``spec``
        (``{"service": {"name", "jdbcUrl", ...}, "baseline"?, "policies"?: [...]}``); validated
        first, writes only what differs.

        Raises InvalidInputError (bad spec; never the password), UnauthorizedError,
        ForbiddenError, ConflictError, UnavailableError, OperationTimeoutError.
        """
    def download_policies(self, service: str, *, last_known_version: int | None = None) -> dict[str, Any] | None:
        """The service's policies as the plugin downloads them (``ServicePolicies``; load them
        with ``PolicyEngine.from_policies``), or None when nothing is newer than
        ``last_known_version``.

        Raises NotFoundError, ForbiddenError, UnauthorizedError, UnavailableError,
        OperationTimeoutError.
        """
    def close(self) -> None:
        """Closes the client; later calls raise ConflictError. Idempotent."""
    def __enter__(self) -> RangerAdmin: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Literal[False]: ...

@final
class AsyncRangerAdmin:
    """``RangerAdmin`` for asyncio: the same client and methods, each returning an awaitable.
    ``async with AsyncRangerAdmin.connect(...) as admin:`` closes it on exit."""

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        username: str,
        password: str | Secret,
        timeout: float | None = None,
        ca_certificates_pem: str | None = None,
    ) -> Opening[AsyncRangerAdmin]:
        """A client for Ranger Admin at ``url`` (see ``RangerAdmin.connect``); makes no request.
        Raises InvalidInputError at once."""
    @property
    def url(self) -> str:
        """Ranger Admin's base URL."""
    def ensure(self, spec: _JsonData) -> asyncio.Future[SetupReport]:
        """Converges the service, baseline and named policies of ``spec`` (see ``RangerAdmin.ensure``)."""
    def download_policies(
        self, service: str, *, last_known_version: int | None = None
    ) -> asyncio.Future[dict[str, Any] | None]:
        """The service's policies as the plugin downloads them, or None when nothing is newer."""
    def close(self) -> Awaitable[None]:
        """Closes the client; later calls raise ConflictError. Idempotent."""
    def __aenter__(self) -> Awaitable[AsyncRangerAdmin]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Awaitable[None]: ...

@final
class EnsuredClient:
    """What ``KeycloakAdmin.ensure_client`` did (immutable); ``repr`` hides the secret."""

    @property
    def realm(self) -> str:
        """The realm."""
    @property
    def client_id(self) -> str:
        """The client id (``clientId``)."""
    @property
    def id(self) -> str:
        """Keycloak's internal id of the client."""
    @property
    def created(self) -> bool:
        """Whether the client was created now."""
    @property
    def changed(self) -> bool:
        """Whether anything changed (realm, client, mappers or secret)."""
    @property
    def changes(self) -> builtins.list[str]:
        """What changed, by field (``created``, ``redirectUris``, ``mapper groups created``, ...)."""
    @property
    def secret(self) -> Secret:
        """The client secret."""
    def to_dict(self) -> EnsuredClientInfo:
        """The JSON form, without the secret."""

@final
class RotatedSecret:
    """A new client secret from ``KeycloakAdmin.rotate_secret`` (immutable); ``repr`` hides it."""

    @property
    def realm(self) -> str:
        """The realm."""
    @property
    def client_id(self) -> str:
        """The client id (``clientId``)."""
    @property
    def id(self) -> str:
        """Keycloak's internal id of the client."""
    @property
    def secret(self) -> Secret:
        """The new secret; the old one no longer works."""
    def to_dict(self) -> RotatedSecretInfo:
        """The JSON form, without the secret."""

@final
class KeycloakAdmin:
    """A logged-in client of Keycloak's Admin REST API (Keycloak 24 to 26); its token is kept
    fresh. Every method blocks with the GIL released; thread-safe; no secret in ``repr`` or
    errors. ``with KeycloakAdmin.connect(...) as admin:`` closes it on exit."""

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        username: str | None = None,
        password: str | Secret | None = None,
        client_id: str | None = None,
        client_secret: str | Secret | None = None,
        auth_realm: str = "master",
        timeout: float | None = None,
        ca_file: str | os.PathLike[str] | None = None,
    ) -> KeycloakAdmin:
        """Logs in to Keycloak at ``url`` in ``auth_realm``: with ``username`` and ``password``
        (password grant through ``client_id``, default ``admin-cli``), or with ``client_id`` and
        ``client_secret`` (client credentials). ``timeout`` per request in seconds (default 30);
        ``ca_file``: PEM file of extra CA certificates.

        Raises InvalidInputError (bad URL, timeout or CA file; neither or both kinds of
        credentials), UnauthorizedError (credentials rejected), NotFoundError (unknown
        ``auth_realm``), UnavailableError / OperationTimeoutError (Keycloak unreachable).
        """
    @property
    def url(self) -> str:
        """Keycloak's base URL."""
    def ensure_realm(self, name: str, *, display_name: str | None = None, enabled: bool = True) -> bool:
        """Creates the realm when missing, else aligns ``enabled`` and ``display_name``; returns
        whether anything changed. Raises InvalidInputError, ForbiddenError, UnavailableError."""
    def delete_realm(self, name: str) -> bool:
        """Deletes the realm (with everything in it); returns whether it existed."""
    def ensure_client(self, spec: _JsonData) -> EnsuredClient:
        """Makes the OAuth client match ``spec`` (``{"realm", "clientId", "externalUrl",
        "ensureRealm"?, "serviceAccounts"?, "secret"?, ...}``): created when missing, else only
        what differs is changed; a second run changes nothing.

        Raises InvalidInputError (bad spec, never showing the secret; or refused by Keycloak),
        NotFoundError (realm missing without ``ensureRealm``), ForbiddenError, UnauthorizedError,
        UnavailableError, OperationTimeoutError.
        """
    def client_secret(self, realm: str, client_id: str) -> Secret:
        """The client's current secret; raises NotFoundError for an unknown client."""
    def rotate_secret(self, realm: str, client_id: str) -> RotatedSecret:
        """Makes Keycloak generate a new client secret; the old one stops working at once.
        Raises NotFoundError for an unknown client."""
    def delete_client(self, realm: str, client_id: str) -> bool:
        """Deletes the client; returns whether it existed."""
    def ensure_group(self, realm: str, name: str) -> EnsuredGroup:
        """Creates the top-level group when missing. Raises InvalidInputError."""
    def ensure_user(self, realm: str, spec: _JsonData) -> EnsuredUser:
        """Creates the user (``{"username", "email"?, "firstName"?, "lastName"?, "password"?,
        "groups"?, "enabled"?}``) when missing, else aligns its fields; adds missing group
        memberships. Raises InvalidInputError (never showing the password)."""
    def close(self) -> None:
        """Closes the client; later calls raise ConflictError. Idempotent."""
    def __enter__(self) -> KeycloakAdmin: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Literal[False]: ...

@final
class AsyncKeycloakAdmin:
    """``KeycloakAdmin`` for asyncio: the same client and methods, each returning an awaitable.
    ``async with AsyncKeycloakAdmin.connect(...) as admin:`` logs in and closes it on exit; no
    secret in ``repr`` or errors."""

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        username: str | None = None,
        password: str | Secret | None = None,
        client_id: str | None = None,
        client_secret: str | Secret | None = None,
        auth_realm: str = "master",
        timeout: float | None = None,
        ca_file: str | os.PathLike[str] | None = None,
    ) -> Opening[AsyncKeycloakAdmin]:
        """Logs in (see ``KeycloakAdmin.connect``). Raises InvalidInputError at once for bad
        arguments; when awaited, what ``KeycloakAdmin.connect`` raises."""
    @property
    def url(self) -> str:
        """Keycloak's base URL."""
    def ensure_realm(
        self, name: str, *, display_name: str | None = None, enabled: bool = True
    ) -> asyncio.Future[bool]:
        """Creates or aligns the realm; resolves to whether anything changed."""
    def delete_realm(self, name: str) -> asyncio.Future[bool]:
        """Deletes the realm; resolves to whether it existed."""
    def ensure_client(self, spec: _JsonData) -> asyncio.Future[EnsuredClient]:
        """Makes the OAuth client match ``spec`` (see ``KeycloakAdmin.ensure_client``)."""
    def client_secret(self, realm: str, client_id: str) -> asyncio.Future[Secret]:
        """The client's current secret; NotFoundError for an unknown client."""
    def rotate_secret(self, realm: str, client_id: str) -> asyncio.Future[RotatedSecret]:
        """Makes Keycloak generate a new client secret; the old one stops working at once."""
    def delete_client(self, realm: str, client_id: str) -> asyncio.Future[bool]:
        """Deletes the client; resolves to whether it existed."""
    def ensure_group(self, realm: str, name: str) -> asyncio.Future[EnsuredGroup]:
        """Creates the top-level group when missing."""
    def ensure_user(self, realm: str, spec: _JsonData) -> asyncio.Future[EnsuredUser]:
        """Creates or aligns the user (see ``KeycloakAdmin.ensure_user``)."""
    def close(self) -> Awaitable[None]:
        """Closes the client; later calls raise ConflictError. Idempotent."""
    def __aenter__(self) -> Awaitable[AsyncKeycloakAdmin]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Awaitable[None]: ...

def trino_oauth2_properties(spec: _JsonData, trino_version: int) -> str:
    """The Trino coordinator's OAuth2 properties (Java properties, sorted) for release
    ``trino_version`` (replacing the spec's ``trinoVersion``, which may be left out); ``spec``:
    ``{"issuer", "clientId", "scopes"?, "groupsField"?, "refreshTokens"?, "secretEnv"?,
    "overrides"?, ...}``. Secrets are ``${ENV:NAME}`` references.

    Raises InvalidInputError (bad field; a Trino version older than 436).
    """

def gateway_auth_yaml(
    issuer: str, client: _JsonData, *, required: bool = False, impersonators: Sequence[str] = ...
) -> str:
    """The gateway's ``auth:`` section (YAML) for the tokens ``issuer`` issues to ``client`` (an
    OAuth client spec, as ``ensure_client`` takes it). Raises InvalidInputError."""

def issuer_url(keycloak_url: str, realm: str) -> str:
    """``{keycloak_url}/realms/{realm}``, the issuer of a Keycloak realm. Raises InvalidInputError."""

# ------------------------------------------------------------------ Kubernetes and tenant bundles

@final
class Manifest:
    """One Kubernetes object as trino-platform renders and applies it (immutable, comparable).
    A Secret's values are never part of it: ``object`` has no ``data``; ``secret_sources`` says
    where each value comes from. ``str()`` is ``Kind namespace/name``."""

    @property
    def kind(self) -> str:
        """``Namespace``, ``ServiceAccount``, ``Secret``, ``ConfigMap``, ``Service``, ``Cluster``
        (the gateway's KubeBlocks PostgreSQL), ``Deployment`` or ``Ingress``."""
    @property
    def api_version(self) -> str:
        """``v1``, ``apps/v1``, ``networking.k8s.io/v1``, ``apps.kubeblocks.io/v1``."""
    @property
    def name(self) -> str:
        """``metadata.name``."""
    @property
    def namespace(self) -> str | None:
        """``metadata.namespace``; None for a Namespace."""
    @property
    def object(self) -> dict[str, Any]:
        """The body as a new dict (``apiVersion``, ``kind``, ``metadata``, ...); a Secret without
        its values."""
    @property
    def secret_sources(self) -> dict[str, str]:
        """A Secret's keys and where each value comes from (``env:NAME``, ``generated``,
        ``given``); empty for other kinds."""
    def describe(self) -> str:
        """``Kind namespace/name`` (``Deployment trino-acme/trino-etl-worker``), as reports name it."""
    def to_yaml(self) -> str:
        """The object as YAML (a Secret without its values)."""
    def __eq__(self, value: builtins.object, /) -> bool: ...

def sorted_manifests(manifests: Iterable[Manifest]) -> builtins.list[Manifest]:
    """The manifests in apply order (by kind: Namespace, ServiceAccount, Secret, ConfigMap,
    Service, Cluster, Deployment, Ingress; then namespace and name), as a new list. Raises
    TypeError for an item that is not a Manifest."""

@final
class TrinoClusterSpec:
    """One Trino cluster of a workspace on Kubernetes (immutable, validated): coordinator,
    workers, catalogs, and its coordinator's exchange, OAuth2 and Ranger setup."""

    @classmethod
    def from_dict(cls, data: _JsonData) -> TrinoClusterSpec:
        """From the camelCase JSON form of the YAML file. Raises InvalidInputError naming the
        field (secret values shown as ``***``), TypeError for data that is not JSON."""
    @classmethod
    def from_yaml(cls, text: str) -> TrinoClusterSpec:
        """Parses and validates a YAML spec. Raises InvalidInputError naming the field and line."""
    @property
    def name(self) -> str:
        """The prefix of its objects and its name in the gateway's registry."""
    @property
    def workspace(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def routing_group(self) -> str: ...
    @property
    def trino_version(self) -> int: ...
    @property
    def image(self) -> str:
        """``trinodb/trino:{trino_version}`` unless the spec names one."""
    def manifests(self) -> builtins.list[Manifest]:
        """Its objects, built without a cluster; the Secret names its values' sources."""
    def render(self) -> str:
        """The manifests as one YAML stream, in apply order."""
    def write_files(self, dir: str | os.PathLike[str]) -> builtins.list[pathlib.Path]:
        """One YAML file per object plus ``kustomization.yaml`` under ``dir``; the paths written.
        Raises InvalidInputError when a file cannot be written."""
    def files(self) -> ClusterFiles:
        """Every file of its nodes; secrets only as ``${ENV:NAME}`` references. Raises
        InvalidInputError."""

@final
class GatewayDeploymentSpec:
    """The Trino Gateway of one workspace on Kubernetes (immutable, validated): Deployment,
    Service, Ingress, its KubeBlocks PostgreSQL, its rules and ``gateway.yaml`` sections."""

    @classmethod
    def from_dict(cls, data: _JsonData) -> GatewayDeploymentSpec:
        """From the camelCase JSON form of the YAML file. Raises InvalidInputError naming the
        field, TypeError for data that is not JSON."""
    @classmethod
    def from_yaml(cls, text: str) -> GatewayDeploymentSpec:
        """Parses and validates a YAML spec. Raises InvalidInputError naming the field and line."""
    @property
    def name(self) -> str: ...
    @property
    def workspace(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def external_url(self) -> str:
        """The URL clients use."""
    @property
    def replicas(self) -> int: ...
    @property
    def image(self) -> str: ...
    def manifests(self) -> builtins.list[Manifest]:
        """Its objects, built without a cluster; the Secret names its values' sources."""
    def render(self) -> str:
        """The manifests as one YAML stream, in apply order."""
    def write_files(self, dir: str | os.PathLike[str]) -> builtins.list[pathlib.Path]:
        """GitOps files under ``dir``; the paths written."""
    def gateway_yaml(self) -> str:
        """The ``gateway.yaml`` the pods read (secrets as ``${ENV:NAME}`` references)."""

_System: TypeAlias = Literal["s3", "keycloak", "ranger", "kubernetes", "registry"]
_Outcome: TypeAlias = Literal["created", "updated", "unchanged", "deleted", "absent"]
_Progress: TypeAlias = Callable[[BundleEvent], object]

@final
class Step:
    """One thing in one system, as a plan or run found it (immutable, comparable)."""

    @property
    def system(self) -> _System: ...
    @property
    def target(self) -> str:
        """``Deployment trino-acme/trino-etl-worker``, ``bucket trino-exchange-acme``, ``client
        acme/trino``, ``service acme_etl``, ``policy acme_etl/NAME``, ``cluster etl``."""
    @property
    def outcome(self) -> _Outcome:
        """What happens (plan) or happened; ``absent``: there was nothing to delete."""
    @property
    def details(self) -> builtins.list[str]:
        """The settings or fields that change, where the system says (``spec.replicas``)."""
    @property
    def changes(self) -> bool:
        """Whether it changes something (created, updated or deleted)."""
    def to_dict(self) -> StepInfo:
        """The JSON form, as the CLI's ``--output json``."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class BundleReport:
    """What ``plan`` found or ``apply`` / ``delete`` did: its steps, in order (immutable,
    comparable); ``len()`` is the number of steps."""

    @property
    def steps(self) -> builtins.list[Step]: ...
    @property
    def changed(self) -> bool:
        """Whether any step changes something (False for a second ``apply``)."""
    def changes(self) -> builtins.list[Step]:
        """The steps that change something, in order."""
    def to_dict(self) -> BundleReportInfo:
        """The JSON form, as the CLI's ``--output json``."""
    def __len__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class BundleEvent:
    """A progress event of ``apply`` or ``delete`` (immutable): work on ``message`` starts or is
    waited for (``step`` is None), or a step finished (``step``)."""

    @property
    def system(self) -> _System: ...
    @property
    def message(self) -> str:
        """``applying Deployment trino-acme/trino-gateway``, ``Deployment ...: 1/2 ready``, ..."""
    @property
    def step(self) -> Step | None:
        """The finished step, as the report will hold it."""
    def to_dict(self) -> BundleEventInfo:
        """The JSON form."""

@final
class Targets:
    """The Kubernetes API and the gateway's cluster store a tenant is applied to (S3, Keycloak and
    Ranger are reached as the tenant file names them). Pass it to ``plan``, ``apply`` and
    ``delete``, which then block with the GIL released. ``with Targets.connect(tenant) as
    targets:`` closes it on exit; ``AsyncTargets`` is the same for asyncio."""

    @classmethod
    def connect(
        cls,
        tenant: TenantSpec,
        *,
        kubeconfig: str | os.PathLike[str] | None = None,
        context: str | None = None,
        registry: str | Secret | ClusterStore | AsyncClusterStore | None = None,
        wait_timeout: float | None = None,
        attempts: int | None = None,
        backoff: float | None = None,
        poll_interval: float | None = None,
    ) -> Targets:
        """Kubernetes as ``kubectl`` finds it (``KUBECONFIG``, ``~/.kube/config``, in-cluster),
        or the file ``kubeconfig`` and its ``context``; the store ``registry``, else the URL in the
        tenant's ``platform.registry.storeEnv`` variable when set (else clusters are not
        registered). ``wait_timeout`` (default 600), ``backoff`` (0.5) and ``poll_interval`` (2)
        in seconds; ``attempts`` per Kubernetes request (4).

        Raises InvalidInputError (no usable kubeconfig or context, a ``context`` without a
        ``kubeconfig``, a bad store URL or duration), UnavailableError, OperationTimeoutError,
        UnauthorizedError, ForbiddenError; TypeError for a ``registry`` of another type.
        """
    @property
    def wait_timeout(self) -> float:
        """Seconds ``apply`` waits for workloads to become ready."""
    @property
    def registry(self) -> str | None:
        """The store's URL with its password as ``***``; None when clusters are not registered."""
    def close(self) -> None:
        """Closes the connections; later calls raise ConflictError. Idempotent."""
    def __enter__(self) -> Targets: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Literal[False]: ...

@final
class AsyncTargets:
    """``Targets`` for asyncio: ``plan``, ``apply`` and ``delete`` given ``AsyncTargets`` return
    awaitables, and the event loop never waits. ``async with AsyncTargets.connect(tenant) as
    targets:`` closes it on exit."""

    @classmethod
    def connect(
        cls,
        tenant: TenantSpec,
        *,
        kubeconfig: str | os.PathLike[str] | None = None,
        context: str | None = None,
        registry: str | Secret | ClusterStore | AsyncClusterStore | None = None,
        wait_timeout: float | None = None,
        attempts: int | None = None,
        backoff: float | None = None,
        poll_interval: float | None = None,
    ) -> Opening[AsyncTargets]:
        """Connects (see ``Targets.connect``). Raises InvalidInputError / TypeError at once for
        bad arguments; when awaited, what ``Targets.connect`` raises."""
    @property
    def wait_timeout(self) -> float: ...
    @property
    def registry(self) -> str | None: ...
    def close(self) -> Awaitable[None]:
        """Closes the connections; later calls raise ConflictError. Idempotent."""
    def __aenter__(self) -> Awaitable[AsyncTargets]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Awaitable[None]: ...

@final
class PlatformBundle:
    """Layer 2 of a tenant (``tenant.platform()``): the namespace, the gateway and its PostgreSQL,
    the exchange bucket, the Keycloak OAuth client."""

    @property
    def gateway(self) -> GatewayDeploymentSpec:
        """The gateway, as the tenant resolves it."""
    @property
    def exchange(self) -> ExchangeBucketSpec | None:
        """The exchange bucket every cluster uses."""
    def manifests(self) -> builtins.list[Manifest]:
        """The namespace and the gateway's objects."""
    def render(self) -> str: ...
    def write_files(self, dir: str | os.PathLike[str]) -> builtins.list[pathlib.Path]: ...
    @overload
    def plan(self, targets: Targets) -> BundleReport:
        """What ``apply`` would change in S3, Keycloak and Kubernetes; writes nothing."""
    @overload
    def plan(self, targets: AsyncTargets) -> asyncio.Future[BundleReport]: ...
    @overload
    def apply(self, targets: Targets, *, progress: _Progress | None = None) -> BundleReport:
        """The bucket, the OAuth client, the namespace and the gateway, waiting until ready."""
    @overload
    def apply(self, targets: AsyncTargets, *, progress: _Progress | None = None) -> asyncio.Future[BundleReport]: ...
    @overload
    def delete(self, targets: Targets, *, progress: _Progress | None = None) -> BundleReport:
        """Removes what ``apply`` made (only trino-platform's objects and this workspace's bucket)."""
    @overload
    def delete(self, targets: AsyncTargets, *, progress: _Progress | None = None) -> asyncio.Future[BundleReport]: ...

@final
class ClusterBundle:
    """Layer 3, one cluster of a tenant (``tenant.cluster_bundle(name)``): its Ranger service and
    policies, its Kubernetes objects, its registration behind the gateway."""

    @property
    def name(self) -> str: ...
    @property
    def spec(self) -> TrinoClusterSpec:
        """The cluster with what it inherits from the tenant."""
    def registration(self) -> Cluster:
        """The cluster as the gateway's registry holds it once applied."""
    def manifests(self) -> builtins.list[Manifest]: ...
    def render(self) -> str: ...
    def write_files(self, dir: str | os.PathLike[str]) -> builtins.list[pathlib.Path]: ...
    @overload
    def plan(self, targets: Targets) -> BundleReport:
        """What ``apply`` would change in Ranger, Kubernetes and the registry; writes nothing."""
    @overload
    def plan(self, targets: AsyncTargets) -> asyncio.Future[BundleReport]: ...
    @overload
    def apply(self, targets: Targets, *, progress: _Progress | None = None) -> BundleReport:
        """Ranger, the objects (with Keycloak's client secret), waiting until ready, then the
        registration."""
    @overload
    def apply(self, targets: AsyncTargets, *, progress: _Progress | None = None) -> asyncio.Future[BundleReport]: ...
    @overload
    def delete(self, targets: Targets, *, progress: _Progress | None = None) -> BundleReport:
        """The registration, the objects, then the Ranger service."""
    @overload
    def delete(self, targets: AsyncTargets, *, progress: _Progress | None = None) -> asyncio.Future[BundleReport]: ...

@final
class TenantSpec:
    """A tenant from one tenant file (immutable, resolved, validated): the platform bundle and
    the Trino clusters behind its gateway. Secrets are never in the file, only the names of the
    variables that hold them. ``plan`` / ``apply`` / ``delete`` block given ``Targets`` and
    return awaitables given ``AsyncTargets``."""

    @classmethod
    def from_dict(cls, data: _JsonData) -> TenantSpec:
        """From the camelCase JSON form of the file. Raises InvalidInputError naming the field,
        TypeError for data that is not JSON."""
    @classmethod
    def from_yaml(cls, text: str) -> TenantSpec:
        """Parses and resolves a tenant file. Raises InvalidInputError naming the field and line."""
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TenantSpec:
        """Reads and resolves a tenant file. Raises InvalidInputError naming the file and field."""
    @property
    def workspace(self) -> str: ...
    @property
    def namespace(self) -> str:
        """Default ``trino-{workspace}``."""
    @property
    def cluster_names(self) -> builtins.list[str]:
        """In file order."""
    def platform(self) -> PlatformBundle: ...
    def cluster_bundle(self, name: str) -> ClusterBundle:
        """Raises NotFoundError when the tenant has no such cluster."""
    def cluster_bundles(self) -> builtins.list[ClusterBundle]:
        """In file order."""
    def manifests(self) -> builtins.list[Manifest]:
        """The platform's objects, then each cluster's (``sorted_manifests`` for apply order)."""
    def render(self) -> str:
        """Every object as one YAML stream, in apply order; Secrets without values."""
    def write_files(self, dir: str | os.PathLike[str]) -> builtins.list[pathlib.Path]:
        """One YAML file per object and ``kustomization.yaml`` (last) under ``dir``; the paths
        written. Raises InvalidInputError when a file cannot be written."""
    def check_environment(self) -> None:
        """Raises InvalidInputError naming every environment variable the tenant needs that is
        unset (``plan``, ``apply`` and ``delete`` check it first)."""
    @overload
    def plan(self, targets: Targets) -> BundleReport:
        """What ``apply`` would change, platform first; writes nothing.

        Raises InvalidInputError (a missing variable, before anything is read), else the kind of
        the failing system's error.
        """
    @overload
    def plan(self, targets: AsyncTargets) -> asyncio.Future[BundleReport]: ...
    @overload
    def apply(self, targets: Targets, *, progress: _Progress | None = None) -> BundleReport:
        """Applies the platform, then every cluster; a second run changes nothing. ``progress``
        gets each ``BundleEvent`` (on this thread; with ``AsyncTargets`` on the event loop's); if
        it raises, the run stops and the exception propagates.

        Raises InvalidInputError naming missing variables before anything is written, else the
        kind of the failing step's error, naming what was done before it (rerun to finish).
        """
    @overload
    def apply(self, targets: AsyncTargets, *, progress: _Progress | None = None) -> asyncio.Future[BundleReport]: ...
    @overload
    def delete(self, targets: Targets, *, progress: _Progress | None = None) -> BundleReport:
        """Deletes every cluster bundle, then the platform (only what trino-platform made)."""
    @overload
    def delete(self, targets: AsyncTargets, *, progress: _Progress | None = None) -> asyncio.Future[BundleReport]: ...
