"""The dicts :class:`trino_platform.KeycloakAdmin` and its results return, as ``TypedDict``s
(typing only: at runtime they are plain ``dict``s). Keys are the core's serde names (camelCase),
the same as in the CLI's ``--json`` output. None of them holds a secret."""

from __future__ import annotations

from typing import TypedDict

__all__ = ["EnsuredClientInfo", "EnsuredGroup", "EnsuredUser", "RotatedSecretInfo"]


class EnsuredClientInfo(TypedDict):
    """``EnsuredClient.to_dict()``: what ``ensure_client`` did, without the secret."""

    realm: str
    clientId: str
    id: str
    """Keycloak's internal id of the client."""
    created: bool
    changed: bool
    changes: list[str]
    """What changed, by field; never values."""


class RotatedSecretInfo(TypedDict):
    """``RotatedSecret.to_dict()``: whose secret was rotated, without the secret."""

    realm: str
    clientId: str
    id: str


class EnsuredGroup(TypedDict):
    """What ``KeycloakAdmin.ensure_group`` did."""

    id: str
    name: str
    created: bool


class EnsuredUser(TypedDict):
    """What ``KeycloakAdmin.ensure_user`` did."""

    id: str
    username: str
    """As Keycloak stores it (lower case)."""
    created: bool
    changes: list[str]
    """What changed (``created``, ``email``, ``group etl``, ...)."""
