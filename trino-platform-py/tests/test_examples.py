"""The Python examples (``examples/python/``) run as a user runs them, as subprocesses, against the
harness's services: the Superset automation job onboards a workspace (a new PostgreSQL database
as the gateway's store, moto S3, Keycloak) with the synchronous API, again with the asyncio API
(changing nothing the second time), fails on policies that deny what Superset needs, then
offboards the workspace. The summary never shows the client secret, which only the 0600 file
holds. The deploy job plans, applies, re-plans and deletes a tenant (moto S3, Keycloak, a new
PostgreSQL database as the registry, and Kubernetes through ``tp-load kube-fake``, the core
tests' fake of the Kubernetes API, which follows the real one: see ``tests/test_bundle.py``).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from conftest import World, service_urls
from trino_platform import ClusterStore, ExchangeBuckets, ExchangeBucketSpec, KeycloakAdmin, NotFoundError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"


def run_example(script: str, args: list[str], env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    """Runs ``examples/python/<script>`` with ``args``: exit status, the JSON summary, stderr."""
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.stdout.strip(), f"{script} printed nothing: {done.stderr}"
    return done.returncode, json.loads(done.stdout), done.stderr


def test_the_superset_automation_example_onboards_and_offboards_a_workspace(
    postgres_url: str, s3_endpoint: str, tmp_path: Path
) -> None:
    keycloak_url, admin_user, admin_password = service_urls(
        "keycloak", "Keycloak", "TP_TEST_KEYCLOAK_URL", "TP_TEST_KEYCLOAK_ADMIN_USER", "TP_TEST_KEYCLOAK_ADMIN_PASSWORD"
    )
    workspace = f"ex-{uuid.uuid4().hex[:10]}"
    realm = f"tp-py-example-{workspace}"
    out = tmp_path / "out"
    args = [
        f"--workspace={workspace}",
        "--trino-url=http://trino-example:8080",
        f"--store-url={postgres_url}",
        f"--keycloak-url={keycloak_url}",
        f"--keycloak-admin-user={admin_user}",
        f"--realm={realm}",
        f"--s3-endpoint={s3_endpoint}",
        f"--out-dir={out}",
    ]
    env = {**os.environ, "KEYCLOAK_ADMIN_PASSWORD": admin_password, "PYTHONPATH": str(EXAMPLES)}
    spec = ExchangeBucketSpec.from_dict(
        {"workspace": workspace, "region": "us-east-1", "endpoint": s3_endpoint, "pathStyle": True}
    )
    try:
        status, first, stderr = run_example("superset_automation.py", args, env)
        assert status == 0, stderr
        assert first["changed"] is True
        assert first["cluster"] == {"name": f"trino-{workspace}", "changed": True}
        assert first["exchangeBucket"]["bucket"] == spec.bucket_name and "bucket" in first["exchangeBucket"]["applied"]
        assert first["keycloakClient"]["created"] is True and first["keycloakClient"]["clientId"] == f"trino-{workspace}"
        assert [(r["allowed"], r["expected"]) for r in first["ranger"]] == [(True, True), (False, False), (False, False)]
        # The rendered files, and the secret in its own file only.
        secret_file = out / "client-secret"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        secret = secret_file.read_text()
        assert len(secret) >= 16
        with KeycloakAdmin.connect(keycloak_url, username=admin_user, password=admin_password) as admin:
            assert admin.client_secret(realm, f"trino-{workspace}").reveal() == secret
        assert f"s3://{spec.bucket_name}" in (out / "exchange-manager.properties").read_text()
        assert f"client-id=trino-{workspace}" in (out / "oauth2.properties").read_text()
        assert secret not in (out / "oauth2.properties").read_text()
        with ClusterStore.open(postgres_url) as store:
            registered = store.get(f"trino-{workspace}")
        assert (registered.proxy_to, registered.routing_group) == ("http://trino-example:8080", workspace)

        # The asyncio version of the job finds everything in place.
        status, second, stderr = run_example("superset_automation_async.py", args, env)
        assert status == 0, stderr
        assert second["changed"] is False, second
        assert second["cluster"]["changed"] is False and second["exchangeBucket"]["applied"] == []
        assert second["keycloakClient"]["changes"] == []
        for output in (json.dumps(first), json.dumps(second), stderr):
            assert secret not in output

        # Policies that let nobody read the sales tables fail the job (after it converged).
        nothing = tmp_path / "no-policies.json"
        nothing.write_text(json.dumps({"policies": []}))
        status, denied, stderr = run_example("superset_automation.py", [*args, f"--policies={nothing}"], env)
        assert status == 1 and denied["changed"] is False
        assert [(r["allowed"], r["expected"]) for r in denied["ranger"]] == [(False, True), (False, False), (False, False)]
        assert "Ranger check failed: superset selects order_id, amount from delta.sales.orders" in stderr

        status, gone, stderr = run_example("superset_automation_async.py", [*args, "--offboard"], env)
        assert status == 0, stderr
        assert gone == {"clusterRemoved": f"trino-{workspace}", "bucketDeleted": True, "clientDeleted": True}
        assert "teardown: done" in stderr
        status, again, stderr = run_example("superset_automation.py", [*args, "--offboard"], env)
        assert (status, again) == (0, {"clusterRemoved": None, "bucketDeleted": False, "clientDeleted": False})
        with ClusterStore.open(postgres_url) as store, pytest.raises(NotFoundError):
            store.get(f"trino-{workspace}")
    finally:
        with ExchangeBuckets.connect(spec) as buckets:
            buckets.teardown(force=True)
        with KeycloakAdmin.connect(keycloak_url, username=admin_user, password=admin_password) as admin:
            admin.delete_realm(realm)


def test_the_deploy_example_plans_applies_and_deletes_a_tenant(world: World, tmp_path: Path) -> None:
    tenant = tmp_path / "tenant.yaml"
    tenant.write_text(world.tenant_yaml())
    out = tmp_path / "deploy"
    args = [f"--tenant={tenant}", f"--kubeconfig={world.kube.kubeconfig}", "--poll-interval=0.05", "--wait=60"]
    env = dict(os.environ)  # with the tenant's registry variable, which `world` sets

    status, plan, stderr = run_example("deploy_tenant.py", [*args, "--plan-only", f"--out-dir={out}"], env)
    assert status == 0, stderr
    assert (plan["workspace"], plan["namespace"], plan["changed"]) == (world.workspace, world.namespace, False)
    assert "registry cluster etl created" in plan["planned"]
    assert f"s3 bucket {world.bucket} created" in plan["planned"][0]
    assert plan["files"][-1] == str(out / "kustomization.yaml") and len(plan["files"]) == 17
    assert world.kube.get(f"/api/v1/namespaces/{world.namespace}") is None, "a plan writes nothing"

    status, applied, stderr = run_example("deploy_tenant.py", args, env)
    assert status == 0, stderr
    assert applied["changed"] is True and applied["applied"] == plan["planned"]
    assert f"kubernetes: applying Namespace {world.namespace}" in stderr.splitlines()
    assert world.kube.get(f"/apis/apps/v1/namespaces/{world.namespace}/deployments/trino-etl-worker")

    status, again, stderr = run_example("deploy_tenant.py", args, env)
    assert (status, again["changed"], again["planned"]) == (0, False, []), stderr

    status, deleted, stderr = run_example("deploy_tenant.py", [*args, "--delete"], env)
    assert status == 0, stderr
    assert deleted["changed"] is True and f"kubernetes Namespace {world.namespace} deleted" in " ".join(deleted["deleted"])
    assert world.kube.get(f"/api/v1/namespaces/{world.namespace}") is None

    # A secret variable missing: a typed failure naming it, exit status 2, before any step.
    tenant.write_text(world.tenant_yaml(password_env="TP_PY_EXAMPLE_UNSET_PASSWORD"))
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "deploy_tenant.py"), *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error (InvalidInput): ") and "TP_PY_EXAMPLE_UNSET_PASSWORD" in done.stderr
