"""The JSON forms of :class:`trino_platform.BundleReport`, :class:`trino_platform.Step` and
:class:`trino_platform.BundleEvent` (their ``to_dict()``), and the files
:meth:`trino_platform.TrinoClusterSpec.files` returns, as ``TypedDict``s (typing only: at runtime
they are plain ``dict``s). Keys are the core's serde names (camelCase), the same as in the CLI's
``deploy --output json``. None of them holds a secret."""

from __future__ import annotations

from typing import Literal, TypedDict

from trino_platform._native import RenderedFile

__all__ = ["BundleEventInfo", "BundleReportInfo", "ClusterFiles", "NodeFiles", "StepInfo"]


class _StepInfoOptional(TypedDict, total=False):
    details: list[str]
    """The settings or fields that change, where the system says (the key is left out when there
    are none)."""


class StepInfo(_StepInfoOptional):
    """``Step.to_dict()``: one thing in one system."""

    system: Literal["s3", "keycloak", "ranger", "kubernetes", "registry"]
    target: str
    """``Deployment trino-acme/trino-etl-worker``, ``bucket trino-exchange-acme``, ``client acme/trino``,
    ``cluster etl``, ..."""
    outcome: Literal["created", "updated", "unchanged", "deleted", "absent"]


class BundleReportInfo(TypedDict):
    """``BundleReport.to_dict()``: every step of a plan or run, in order."""

    steps: list[StepInfo]


class _BundleEventInfoOptional(TypedDict, total=False):
    step: StepInfo
    """The finished step (the key is left out while work starts or is waited for)."""


class BundleEventInfo(_BundleEventInfoOptional):
    """``BundleEvent.to_dict()``: a progress event of ``apply`` or ``delete``."""

    system: Literal["s3", "keycloak", "ranger", "kubernetes", "registry"]
    message: str


class NodeFiles(TypedDict):
    """The files of one role (coordinator or worker) of a Trino cluster."""

    files: dict[str, str]
    """Files of ``/etc/trino`` by name (``config.properties``, ``jvm.config``, ...)."""
    rangerFiles: list[RenderedFile]
    """Ranger's files (coordinator only), mounted at their paths; those marked ``secret`` come
    from a Secret."""
    writableDirs: list[str]
    """Writable directories the files name (Ranger's policy cache and audit spools)."""
    env: list[str]
    """Environment variables the files refer to (``${ENV:NAME}``), sorted."""


class ClusterFiles(TypedDict):
    """``TrinoClusterSpec.files()``: every file of a cluster's nodes."""

    coordinator: NodeFiles
    worker: NodeFiles
    catalogs: dict[str, str]
    """``etc/catalog/*.properties`` by file name, shared by both roles."""
    catalogEnv: list[str]
    """Environment variables the catalog files refer to, sorted."""
