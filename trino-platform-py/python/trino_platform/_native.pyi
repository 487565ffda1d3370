"""Type stubs of the extension module ``trino_platform._native`` (hand-written; checked by
``mypy --strict`` over the package and its tests)."""

import builtins
import os
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Literal, TypeAlias, final

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

__version__: str

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
    """Where cluster registrations live: ``sqlite:///path.db`` or ``postgres://user:password@host/db``."""

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
    ``fallback_group``). Thread-safe; ``route`` and ``flush`` release the GIL.
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
