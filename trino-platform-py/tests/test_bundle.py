"""A tenant's bundles from Python end to end: ``plan`` → ``apply`` → ``plan`` (no changes) →
``delete``, through the synchronous and the asyncio API, against the harness's real S3 (moto,
``TP_TEST_S3_ENDPOINT``: the exchange bucket), Keycloak (``TP_TEST_KEYCLOAK_URL``: the OAuth
client, in a realm of each test's own) and PostgreSQL (``TP_TEST_POSTGRES_URL``: the gateway's
cluster registry, a database of each test's own), and Kubernetes through a kubeconfig.

Kubernetes is ``tp-load kube-fake``: the core tests' fake Kubernetes API server
(``trino-platform-core/tests/support/kube_fake.rs``) served over HTTP, one per test, built by
``scripts/test`` (``cargo build --profile ci -p trino-platform-load``). It is a fake because no
Kubernetes API server can run here (DESIGN.md section 9); it follows the real API's documented
paths, status codes and JSON for everything trino-platform uses (server-side apply with field
ownership and dry run, defaults, validation, LIST, finalizers, uid-guarded deletes, Deployments
and KubeBlocks Clusters becoming ready over a few reads), as its doc comment lists. No Ranger
Admin runs in the harness (and this suite has no Ranger fake), so these tenants name none; the
Rust suite covers Ranger with its fake.

Also shown: progress events arrive (on the calling thread, or the event loop's), a second
``apply`` changes nothing, errors are typed (an unset variable is an ``InvalidInputError`` naming
it before anything is written; wrong Keycloak credentials an ``UnauthorizedError`` naming what was
done before), and no secret (the Keycloak admin password, the OAuth client secret, the store's
password) appears in any ``repr``, report, event or error.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import STORE_ENV, World, assert_shape
from trino_platform import (
    AsyncClusterStore,
    AsyncTargets,
    BundleEvent,
    BundleEventInfo,
    BundleReport,
    BundleReportInfo,
    ClusterStore,
    ConflictError,
    ExchangeBuckets,
    InvalidInputError,
    NotFoundError,
    Secret,
    Step,
    StepInfo,
    Targets,
    UnauthorizedError,
    UnavailableError,
)


def outcomes(report: BundleReport) -> dict[tuple[str, str], str]:
    return {(s.system, s.target): s.outcome for s in report.steps}


def assert_no_secret(secrets: list[str], *texts: object) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in str(text), f"a secret in {str(text)[:200]}"


# ------------------------------------------------------------------------------ synchronous


def test_plan_apply_plan_delete_end_to_end(world: World) -> None:
    tenant = world.tenant()
    with world.connect(tenant) as targets:
        assert targets.registry is not None and targets.registry.startswith("postgres://")
        assert ":tp@" not in repr(targets) and "***" in repr(targets), "the store's password is hidden"
        assert targets.wait_timeout == 60.0

        plan = tenant.plan(targets)
        assert isinstance(plan, BundleReport) and plan.changed
        planned = outcomes(plan)
        assert planned[("s3", f"bucket {world.bucket}")] == "created"
        assert planned[("keycloak", f"client {world.realm}/trino")] == "created"
        assert planned[("registry", "cluster etl")] == "created"
        kubernetes = [s for s in plan.steps if s.system == "kubernetes"]
        assert len(kubernetes) == 16 and all(s.outcome == "created" for s in kubernetes)
        assert world.kube.get(f"/api/v1/namespaces/{world.namespace}") is None, "a plan writes nothing"
        assert plan.changes() == plan.steps and len(plan) == len(plan.steps)
        assert repr(plan) == f"BundleReport(steps={len(plan)}, changes={len(plan)})"

        # Apply, with progress on this thread while other Python threads run (the GIL is released).
        events: list[BundleEvent] = []
        threads: set[int] = set()
        ticks, done = [0], threading.Event()

        def tick() -> None:
            while not done.is_set():
                ticks[0] += 1
                time.sleep(0.001)

        def progress(event: BundleEvent) -> None:
            events.append(event)
            threads.add(threading.get_ident())

        ticker = threading.Thread(target=tick)
        ticker.start()
        try:
            applied = tenant.apply(targets, progress=progress)
        finally:
            done.set()
            ticker.join()
        assert outcomes(applied) == planned, "apply did what the plan said"
        assert threads == {threading.get_ident()}
        assert ticks[0] >= 10, "another thread ran during apply"
        assert [e.step for e in events if e.step is not None] == applied.steps, "each step as it finished"
        assert any(e.step is None and e.message == f"applying Namespace {world.namespace}" for e in events)
        assert any(e.system == "kubernetes" and e.message.endswith(": ready") for e in events), [e.message for e in events]
        assert_shape(applied.to_dict(), BundleReportInfo)
        for event in events:
            assert_shape(event.to_dict(), BundleEventInfo)
        assert_shape(applied.steps[0].to_dict(), StepInfo)
        first = events[0]
        assert repr(first) == f"BundleEvent(system='s3', message='ensuring bucket {world.bucket}')"
        assert first.step is None and "step" not in first.to_dict()

        # Each system holds what the tenant says, read through its own API.
        with ExchangeBuckets.connect(world.exchange()) as buckets:
            assert buckets.describe()["inSync"]
        with world.keycloak() as admin:
            client_secret = admin.client_secret(world.realm, "trino").reveal()
        stored = world.kube.get(f"/api/v1/namespaces/{world.namespace}/secrets/trino-etl")
        assert stored is not None
        fed = base64.b64decode(stored["data"]["TRINO_OAUTH2_CLIENT_SECRET"]).decode()
        assert fed == client_secret, "the coordinator gets Keycloak's client secret"
        worker = world.kube.get(f"/apis/apps/v1/namespaces/{world.namespace}/deployments/trino-etl-worker")
        assert worker is not None and worker["status"]["readyReplicas"] == 2
        with ClusterStore.open(world.store_url) as store:
            assert store.get("etl") == tenant.cluster_bundle("etl").registration()

        # Converged: nothing to plan, a second apply changes nothing; also per bundle.
        assert not tenant.plan(targets).changed
        again = tenant.apply(targets)
        assert not again.changed and again.changes() == [], [str(s.to_dict()) for s in again.changes()]
        assert not tenant.platform().plan(targets).changed
        assert not tenant.cluster_bundle("etl").plan(targets).changed

        # A changed tenant: the plan names the one field that differs.
        grown = world.tenant(replicas=3)
        [change] = grown.plan(targets).changes()
        assert isinstance(change, Step)
        assert (change.system, change.target, change.outcome, change.details) == (
            "kubernetes",
            f"Deployment {world.namespace}/trino-etl-worker",
            "updated",
            ["spec.replicas"],
        )
        assert change.changes and repr(change) == (
            f"Step(system='kubernetes', target='Deployment {world.namespace}/trino-etl-worker', "
            "outcome='updated', details=['spec.replicas'])"
        )

        # (The harness's Keycloak admin password may be a short word found anywhere: then the
        # test of a wrong password below stands for it.)
        secrets = [client_secret, *([world.admin_password] if len(world.admin_password) >= 12 else [])]
        assert_no_secret(secrets, repr(targets), repr(applied), applied.to_dict(), *map(repr, events), tenant.render())

        deleting: list[BundleEvent] = []
        deleted = tenant.delete(targets, progress=deleting.append)
        gone = outcomes(deleted)
        assert gone[("registry", "cluster etl")] == "deleted"
        assert gone[("s3", f"bucket {world.bucket}")] == "deleted"
        assert gone[("keycloak", f"client {world.realm}/trino")] == "deleted"
        assert gone[("kubernetes", f"Namespace {world.namespace}")] == "deleted"
        assert [e.step for e in deleting if e.step] == deleted.steps
        assert_no_secret(secrets, *map(repr, deleting))
        assert world.kube.get(f"/api/v1/namespaces/{world.namespace}") is None
        with ClusterStore.open(world.store_url) as store, pytest.raises(NotFoundError):
            store.get("etl")
        again = tenant.delete(targets)
        assert not again.changed, [s.to_dict() for s in again.changes()]
        assert {s.outcome for s in again.steps} == {"absent"}
    with pytest.raises(ConflictError):
        tenant.plan(targets)


def test_a_raising_progress_callback_stops_apply_and_a_rerun_finishes(world: World) -> None:
    tenant = world.tenant()

    class Stop(Exception):
        pass

    def stop_at_kubernetes(event: BundleEvent) -> None:
        if event.system == "kubernetes":
            raise Stop(event.message)

    with world.connect(tenant) as targets:
        with pytest.raises(Stop, match="applying Namespace"):
            tenant.apply(targets, progress=stop_at_kubernetes)
        rerun = tenant.apply(targets)
        assert rerun.changed
        assert outcomes(rerun)[("s3", f"bucket {world.bucket}")] == "unchanged", "made before the stop"
        assert outcomes(rerun)[("registry", "cluster etl")] == "created"
        assert not tenant.plan(targets).changed
        with pytest.raises(TypeError):
            tenant.apply(targets, progress="print")  # type: ignore[call-overload]
        with pytest.raises(TypeError):
            tenant.plan(world.kube.kubeconfig)  # type: ignore[call-overload]
        tenant.delete(targets)


def test_an_unset_variable_fails_before_anything_is_written(world: World) -> None:
    unset = f"TP_PY_UNSET_{uuid.uuid4().hex[:8].upper()}"
    tenant = world.tenant(password_env=unset)
    with pytest.raises(InvalidInputError) as raised:
        tenant.check_environment()
    assert unset in raised.value.message
    with world.connect(tenant) as targets:
        calls: list[Callable[[], BundleReport]] = [
            lambda: tenant.plan(targets),
            lambda: tenant.apply(targets),
            lambda: tenant.platform().apply(targets),
        ]
        for call in calls:
            with pytest.raises(InvalidInputError) as raised:
                call()
            assert unset in raised.value.message and raised.value.kind == "InvalidInput"
    assert world.kube.get(f"/api/v1/namespaces/{world.namespace}") is None, "nothing in Kubernetes"
    with ExchangeBuckets.connect(world.exchange()) as buckets:
        assert buckets.plan()["ownership"] == "absent", "no bucket"
    with world.keycloak() as admin:
        assert admin.delete_realm(world.realm) is False, "no realm"


def test_a_failing_step_is_typed_and_names_what_was_done(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = f"wrong-password-{uuid.uuid4().hex}"
    monkeypatch.setenv("TP_PY_WRONG_KEYCLOAK_PASSWORD", wrong)
    tenant = world.tenant(password_env="TP_PY_WRONG_KEYCLOAK_PASSWORD")
    with world.connect(tenant) as targets:
        with pytest.raises(UnauthorizedError) as raised:
            tenant.apply(targets)
        message = raised.value.message
        assert f"done before it: bucket {world.bucket} created" in message, message
        assert "rerun to finish" in message
        assert_no_secret([wrong], message, str(raised.value), repr(raised.value))
        with pytest.raises(UnauthorizedError):
            tenant.plan(targets)


def test_targets_connect_errors_are_typed(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = world.tenant()
    with pytest.raises(InvalidInputError) as raised:
        Targets.connect(tenant, kubeconfig=tmp_path / "missing")
    assert "missing" in raised.value.message
    with pytest.raises(InvalidInputError):
        Targets.connect(tenant, kubeconfig=world.kube.kubeconfig, context="production")
    with pytest.raises(InvalidInputError) as raised:
        Targets.connect(tenant, context="fake")
    assert "kubeconfig" in raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        world.connect(tenant, registry="mysql://gw:secret-pw@db/gw")
    assert "secret-pw" not in str(raised.value)
    with pytest.raises(InvalidInputError):
        world.connect(tenant, poll_interval=-1)
    with pytest.raises(TypeError):
        world.connect(tenant, registry=42)
    # A store given as a Secret or an open ClusterStore; its password never shows.
    with world.connect(tenant, registry=Secret(world.store_url)) as targets:
        assert targets.registry is not None and "***" in targets.registry
    with ClusterStore.open(world.store_url) as store, world.connect(tenant, registry=store) as targets:
        step = tenant.plan(targets).steps[-1]
        assert (step.system, step.target, step.outcome) == ("registry", "cluster etl", "created")
    # Without storeEnv set, clusters are not registered, and the plan says so.
    monkeypatch.delenv(STORE_ENV)
    with world.connect(tenant) as targets:
        assert targets.registry is None
        step = tenant.plan(targets).steps[-1]
        assert (step.system, step.outcome) == ("registry", "unchanged")
        assert step.details == [f"not registered: set {STORE_ENV} to the gateway's store URL"]
    world.kube.stop()
    with pytest.raises(UnavailableError):
        world.connect(tenant)


# ---------------------------------------------------------------------------------- asyncio


def test_the_asyncio_api_applies_and_deletes_bundle_by_bundle(world: World) -> None:
    tenant = world.tenant()

    async def main() -> None:
        loop_thread = threading.get_ident()
        threads: set[int] = set()
        events: list[BundleEvent] = []

        def progress(event: BundleEvent) -> None:
            threads.add(threading.get_ident())
            events.append(event)

        async with AsyncClusterStore.open(world.store_url) as store:
            opening = AsyncTargets.connect(
                tenant, kubeconfig=str(world.kube.kubeconfig), registry=store, backoff=0.01, poll_interval=0.02
            )
            async with opening as targets:
                assert isinstance(targets, AsyncTargets) and repr(targets).startswith("AsyncTargets(kubeconfig=")
                assert targets.registry is not None and targets.wait_timeout == 600.0
                plan = await tenant.plan(targets)
                assert plan.changed
                platform_plan = await tenant.platform().plan(targets)
                assert platform_plan.steps == plan.steps[: len(platform_plan)]
                platform = await tenant.platform().apply(targets, progress=progress)
                assert outcomes(platform) == outcomes(platform_plan)
                # Two plans at once, as two awaitables: the platform converged, the cluster to make.
                platform_plan, cluster_plan = await asyncio.gather(
                    tenant.platform().plan(targets), tenant.cluster_bundle("etl").plan(targets)
                )
                assert not platform_plan.changed
                assert cluster_plan.steps == plan.steps[len(platform_plan) :]
                cluster = await tenant.cluster_bundle("etl").apply(targets, progress=progress)
                assert outcomes(cluster) == outcomes(cluster_plan)
                assert threads == {loop_thread}, "progress on the event loop's thread"
                assert [e.step for e in events if e.step] == platform.steps + cluster.steps
                assert (await store.get("etl")).routing_group == "etl"
                assert not (await tenant.apply(targets)).changed

                deleted = await tenant.cluster_bundle("etl").delete(targets, progress=progress)
                assert outcomes(deleted)[("registry", "cluster etl")] == "deleted"
                assert world.kube.get(f"/apis/apps/v1/namespaces/{world.namespace}/deployments/trino-etl-worker") is None
                assert world.kube.get(f"/apis/apps/v1/namespaces/{world.namespace}/deployments/trino-gateway")
                assert (await tenant.platform().delete(targets)).changed
                assert not (await tenant.delete(targets)).changed
            with pytest.raises(ConflictError):
                await tenant.plan(targets)
            # The store passed in stays open.
            assert await store.list() == []

    asyncio.run(main())
    with pytest.raises(RuntimeError):
        AsyncTargets.connect(tenant, kubeconfig=world.kube.kubeconfig)
