"""Type stubs of the extension module ``trino_platform._native`` (hand-written; checked by
``mypy --strict`` over the package and its tests)."""

import builtins
from types import TracebackType
from typing import Any, Literal, final

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
