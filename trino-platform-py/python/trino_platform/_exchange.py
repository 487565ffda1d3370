"""The dicts :class:`trino_platform.ExchangeBuckets` returns, as ``TypedDict``s (typing only: at
runtime they are plain ``dict``s). Keys are the core's serde names (camelCase), the same as in
the CLI's ``--json`` output."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = [
    "BucketState",
    "EncryptionState",
    "EnsureReport",
    "ExchangeChange",
    "ExchangeDescription",
    "ExchangePlan",
    "LifecycleRuleState",
    "PublicAccessBlockState",
    "TeardownProgress",
    "TeardownReport",
]


class ExchangeChange(TypedDict):
    """One difference between a bucket and its spec."""

    setting: Literal["bucket", "tags", "publicAccessBlock", "ownershipControls", "encryption", "lifecycle", "policy"]
    """The setting (listed in the order ``ensure`` applies them)."""
    action: Literal["create", "update", "delete"]
    detail: str
    """For people: what is there and what will be."""


class ExchangePlan(TypedDict):
    """What ``ensure`` would change (``ExchangeBuckets.plan``)."""

    bucket: str
    region: str
    ownership: Literal["absent", "managed", "untagged", "unmanaged", "otherWorkspace"]
    changes: list[ExchangeChange]
    """In the order ``ensure`` applies them; empty when the bucket matches its spec."""
    warnings: list[str]


class EnsureReport(TypedDict):
    """What ``ensure`` did."""

    bucket: str
    region: str
    created: bool
    applied: list[ExchangeChange]
    """The changes made, in order; empty when the bucket already matched."""


class EncryptionState(TypedDict):
    """A bucket's default encryption, as S3 reports it."""

    algorithm: str
    """``AES256`` (SSE-S3), ``aws:kms`` (SSE-KMS), ``aws:kms:dsse``."""
    kmsKeyId: str | None
    bucketKeyEnabled: bool


class PublicAccessBlockState(TypedDict):
    """A bucket's public access block, as S3 reports it."""

    blockPublicAcls: bool
    ignorePublicAcls: bool
    blockPublicPolicy: bool
    restrictPublicBuckets: bool


class LifecycleRuleState(TypedDict):
    """One lifecycle rule of a bucket, as S3 reports it."""

    id: str | None
    enabled: bool
    prefix: str | None
    """``""`` for every object; ``None`` when the rule filters otherwise (tags, sizes)."""
    expirationDays: int | None
    abortIncompleteUploadDays: int | None
    otherActions: bool


class BucketState(TypedDict):
    """A bucket's configuration as S3 reports it (every other field empty when it does not exist)."""

    bucket: str
    exists: bool
    region: str | None
    tags: dict[str, str]
    encryption: EncryptionState | None
    publicAccessBlock: PublicAccessBlockState | None
    objectOwnership: str | None
    lifecycleRules: list[LifecycleRuleState]
    policy: dict[str, Any] | None


class ExchangeDescription(TypedDict):
    """A bucket's configuration and its drift from the spec (``ExchangeBuckets.describe``)."""

    state: BucketState
    ownership: Literal["absent", "managed", "untagged", "unmanaged", "otherWorkspace"]
    inSync: bool
    drift: list[ExchangeChange]
    problems: list[str]
    """What keeps ``ensure`` from converging the bucket (wrong region, someone else's bucket)."""
    warnings: list[str]


class TeardownProgress(TypedDict):
    """What the ``progress`` callback of ``ExchangeBuckets.teardown`` receives."""

    bucket: str
    phase: Literal["checking", "removingPolicy", "abortingUploads", "deletingObjects", "deletingBucket", "done"]
    uploadsAborted: int
    objectsDeleted: int


class TeardownReport(TypedDict):
    """What ``teardown`` did."""

    bucket: str
    existed: bool
    """``False``: there was no bucket, nothing was done."""
    uploadsAborted: int
    objectsDeleted: int
    deleted: bool
