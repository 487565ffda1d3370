"""Tenant files and Kubernetes manifests without a network: the shared tenant cases
(``tests/cases/tenant.yaml`` at the repository root, run as the Rust runner ``shared_cases`` in
``trino-platform-core/tests/bundle.rs`` runs them), the example tenant rendered as one YAML stream
and as GitOps files, the cluster and gateway specs, and the errors of each. No secret value is in
any rendered object, only the names of the variables that hold them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import assert_shape
from test_cases import ERROR_CLASSES
from trino_platform import (
    Cluster,
    ClusterFiles,
    ExchangeBucketSpec,
    GatewayDeploymentSpec,
    InvalidInputError,
    Manifest,
    NodeFiles,
    NotFoundError,
    RenderedFile,
    TenantSpec,
    TrinoClusterSpec,
    TrinoPlatformError,
    sorted_manifests,
)

ROOT = Path(__file__).resolve().parents[2]
CASES: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "cases" / "tenant.yaml").read_text())
EXAMPLE = ROOT / "examples" / "tenant.yaml"

CLUSTER = {
    "name": "etl",
    "workspace": "acme",
    "namespace": "trino-acme",
    "coordinator": {"resources": {"cpu": 2, "memory": "8Gi"}},
    "workers": {"replicas": 3, "resources": {"cpu": 4, "memory": "16Gi"}},
}
GATEWAY = {"workspace": "acme", "namespace": "trino-acme", "externalUrl": "https://trino.acme.example.com"}

# ------------------------------------------------------------------------------ shared cases


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case(case: dict[str, Any]) -> None:
    """As ``shared_cases`` does: ``from_yaml`` of the case's tenant, then its namespace, cluster
    names, every object in apply order and the chosen Secrets' sources, or the error's kind and
    mentions."""
    assert set(case) <= {"name", "tenant", "expect", "error"}, f"keys not understood by this runner: {set(case)}"
    assert ("expect" in case) != ("error" in case), "give expect or error"
    if "expect" in case:
        expect = case["expect"]
        assert set(expect) <= {"namespace", "clusters", "objects", "secretSources"}
        tenant = TenantSpec.from_yaml(case["tenant"])
        assert tenant.namespace == expect["namespace"]
        assert tenant.cluster_names == expect["clusters"]
        manifests = tenant.manifests()
        assert [m.describe() for m in sorted_manifests(manifests)] == expect["objects"]
        for secret, sources in expect.get("secretSources", {}).items():
            manifest = next(m for m in manifests if m.kind == "Secret" and m.name == secret)
            assert manifest.secret_sources == sources, secret
    else:
        error = case["error"]
        with pytest.raises(TrinoPlatformError) as raised:
            TenantSpec.from_yaml(case["tenant"])
        assert type(raised.value) is ERROR_CLASSES[error["kind"]]
        assert raised.value.kind == error["kind"]
        for mention in error["mentions"]:
            assert mention in raised.value.message, f"{raised.value.message!r} does not mention {mention!r}"


def test_the_case_file_has_the_cases_the_rust_runner_requires() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", [c for c in CASES if "expect" in c], ids=lambda c: c["name"])
def test_from_dict_of_a_case_renders_what_from_yaml_does(case: dict[str, Any]) -> None:
    from_yaml = TenantSpec.from_yaml(case["tenant"])
    from_dict = TenantSpec.from_dict(yaml.safe_load(case["tenant"]))
    assert from_dict.manifests() == from_yaml.manifests()
    assert from_dict.render() == from_yaml.render()


# ------------------------------------------------------------------------- the example tenant


def test_the_example_tenant_renders_one_stream_in_apply_order() -> None:
    tenant = TenantSpec.load(EXAMPLE)
    assert (tenant.workspace, tenant.namespace, tenant.cluster_names) == ("acme", "trino-acme", ["etl", "adhoc"])
    assert repr(tenant) == "TenantSpec(workspace='acme', namespace='trino-acme', clusters=['etl', 'adhoc'])"
    assert TenantSpec.load(str(EXAMPLE)).render() == tenant.render()
    manifests = tenant.manifests()
    # The platform's objects, then each cluster's, as the bundles list them.
    assert manifests == tenant.platform().manifests() + [m for b in tenant.cluster_bundles() for m in b.manifests()]
    documents = list(yaml.safe_load_all(tenant.render()))
    assert documents == [m.object for m in sorted_manifests(manifests)]
    for manifest, document in zip(sorted_manifests(manifests), documents):
        assert (document["kind"], document["apiVersion"]) == (manifest.kind, manifest.api_version)
        assert document["metadata"]["name"] == manifest.name
        assert document["metadata"].get("namespace") == manifest.namespace
        assert yaml.safe_load(manifest.to_yaml()) == document
        assert document["metadata"]["labels"]["trino-platform.io/workspace"] == "acme"
        if manifest.kind != "Namespace":  # (the core labels the namespace with its own labels only)
            assert document["metadata"]["labels"]["team"] == "data-platform", "the tenant's labels"
        if manifest.kind == "Secret":
            assert "data" not in document and "stringData" not in document, "a Secret is rendered without values"
    kinds = [m.kind for m in sorted_manifests(manifests)]
    assert kinds[0] == "Namespace" and kinds[-1] == "Ingress" and "Cluster" in kinds
    # Each Secret names where its values come from.
    etl = next(m for m in manifests if m.kind == "Secret" and m.name == "trino-etl")
    assert etl.secret_sources["RANGER_DOWNLOAD_PASSWORD"] == "env:RANGER_DOWNLOAD_PASSWORD"
    assert etl.secret_sources["TRINO_INTERNAL_SHARED_SECRET"] == "generated"
    assert etl.object["metadata"]["annotations"]["trino-platform.io/secret-sources"].count("=") == len(
        etl.secret_sources
    )
    assert next(m for m in manifests if m.kind == "ConfigMap").secret_sources == {}


def test_write_files_writes_one_file_per_object_and_a_kustomization(tmp_path: Path) -> None:
    tenant = TenantSpec.load(EXAMPLE)
    out = tmp_path / "deploy" / "acme"
    (out.parent).mkdir()
    written = tenant.write_files(out)
    manifests = sorted_manifests(tenant.manifests())
    assert len(written) == len(manifests) + 1
    assert all(isinstance(p, Path) and p.parent == out for p in written)
    assert written[-1].name == "kustomization.yaml"
    assert written[0].name == "00-namespace-trino-acme.yaml"
    kustomization = yaml.safe_load(written[-1].read_text())
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["resources"] == [p.name for p in written[:-1]], "listed in apply order"
    for path, manifest in zip(written, manifests):
        assert yaml.safe_load(path.read_text()) == manifest.object
    # Files of other names are left alone; rewriting writes the same files.
    (out / "README.md").write_text("notes")
    assert tenant.write_files(str(out)) == written
    assert (out / "README.md").read_text() == "notes"
    # A file where the directory should be.
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    with pytest.raises(InvalidInputError) as raised:
        tenant.write_files(blocked)
    assert str(blocked) in raised.value.message


def test_the_bundles_of_a_tenant_render_their_own_objects(tmp_path: Path) -> None:
    tenant = TenantSpec.load(EXAMPLE)
    platform = tenant.platform()
    assert repr(platform) == "PlatformBundle(workspace='acme', namespace='trino-acme')"
    assert [m.describe() for m in platform.manifests()][:2] == ["Namespace trino-acme", "ServiceAccount trino-acme/trino-gateway"]
    assert list(yaml.safe_load_all(platform.render())) == [m.object for m in sorted_manifests(platform.manifests())]
    assert [p.name for p in platform.write_files(tmp_path / "platform")][-1] == "kustomization.yaml"
    gateway = platform.gateway
    assert (gateway.workspace, gateway.namespace, gateway.name) == ("acme", "trino-acme", "trino-gateway")
    exchange = platform.exchange
    assert isinstance(exchange, ExchangeBucketSpec) and exchange.bucket_name == "trino-exchange-acme"
    assert "s3://trino-exchange-acme" in exchange.exchange_manager_properties()

    bundles = tenant.cluster_bundles()
    assert [b.name for b in bundles] == ["etl", "adhoc"]
    etl = tenant.cluster_bundle("etl")
    assert repr(etl) == "ClusterBundle(workspace='acme', name='etl')"
    assert etl.manifests() == bundles[0].manifests()
    assert all(m.namespace == "trino-acme" for m in etl.manifests())
    assert list(yaml.safe_load_all(etl.render())) == [m.object for m in sorted_manifests(etl.manifests())]
    assert len(etl.write_files(tmp_path / "etl")) == len(etl.manifests()) + 1
    spec = etl.spec
    assert (spec.name, spec.workspace, spec.namespace, spec.routing_group) == ("etl", "acme", "trino-acme", "etl")
    assert spec.manifests() == etl.manifests()
    # The cluster inherits the exchange bucket: its nodes' files use it.
    assert "trino-exchange-acme" in spec.files()["worker"]["files"]["exchange-manager.properties"]
    registration = etl.registration()
    assert registration == Cluster(
        "etl",
        "http://trino-etl.trino-acme.svc:8080",
        external_url="https://trino.acme.example.com",
        routing_group="etl",
    )
    with pytest.raises(NotFoundError) as raised:
        tenant.cluster_bundle("reporting")
    assert "reporting" in raised.value.message


def test_check_environment_names_every_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = TenantSpec.load(EXAMPLE)
    needed = ["KEYCLOAK_ADMIN_PASSWORD", "RANGER_ADMIN_PASSWORD", "RANGER_DOWNLOAD_PASSWORD"]
    for name in needed:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InvalidInputError) as raised:
        tenant.check_environment()
    assert all(name in raised.value.message for name in needed), raised.value.message
    for name in needed:
        monkeypatch.setenv(name, "hunter2-not-shown")
    tenant.check_environment()  # all set: no error
    assert "hunter2" not in tenant.render()


def test_invalid_tenants_name_the_field() -> None:
    base: dict[str, Any] = {"workspace": "acme", "platform": {"gateway": {"externalUrl": "https://t.example.com"}}}
    with pytest.raises(InvalidInputError) as raised:
        TenantSpec.from_dict({**base, "platfrom": {}})
    assert "platfrom" in raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        TenantSpec.from_dict({**base, "clusters": [{**CLUSTER, "workspace": "other"}]})
    assert "clusters[0].workspace: other differs" in raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        TenantSpec.from_dict({**base, "clusters": [{"name": "etl", "coordinator": {}, "workers": {}}]})
    assert "clusters[0].coordinator" in raised.value.message
    with pytest.raises(TypeError):
        TenantSpec.from_dict({**base, "labels": {"team": {"a", "b"}}})
    with pytest.raises(InvalidInputError) as raised:
        TenantSpec.load(ROOT / "no-such-tenant.yaml")
    assert "no-such-tenant.yaml" in raised.value.message


# -------------------------------------------------------------------- cluster and gateway specs


def test_a_cluster_spec_from_dict_and_from_yaml_render_the_same() -> None:
    from_dict = TrinoClusterSpec.from_dict(CLUSTER)
    from_yaml = TrinoClusterSpec.from_yaml(yaml.safe_dump(CLUSTER))
    assert from_dict.manifests() == from_yaml.manifests()
    assert from_dict.render() == from_yaml.render()
    assert repr(from_dict) == "TrinoClusterSpec(name='etl', workspace='acme', namespace='trino-acme')"
    assert (from_dict.routing_group, from_dict.trino_version, from_dict.image) == ("adhoc", 476, "trinodb/trino:476")
    assert [m.describe() for m in sorted_manifests(from_dict.manifests())] == [
        "ServiceAccount trino-acme/trino-etl",
        "Secret trino-acme/trino-etl",
        "ConfigMap trino-acme/trino-etl-catalog",
        "ConfigMap trino-acme/trino-etl-coordinator",
        "ConfigMap trino-acme/trino-etl-worker",
        "Service trino-acme/trino-etl",
        "Deployment trino-acme/trino-etl-coordinator",
        "Deployment trino-acme/trino-etl-worker",
    ]
    worker = next(m for m in from_dict.manifests() if m.name == "trino-etl-worker" and m.kind == "Deployment")
    assert worker.object["spec"]["replicas"] == 3


def test_a_cluster_spec_renders_its_nodes_files() -> None:
    spec = TrinoClusterSpec.from_dict(
        {
            **CLUSTER,
            "catalogs": [{"name": "delta", "deltaLake": {"metastoreUri": "thrift://hms:9083", "s3": {"region": "eu-west-1"}}}],
            "ranger": {
                "serviceName": "acme_etl",
                "adminUrls": ["http://ranger-admin:6080"],
                "downloadAuth": {"username": "trino", "password": {"env": "RANGER_DOWNLOAD_PASSWORD"}},
            },
        }
    )
    files = spec.files()
    assert_shape(files, ClusterFiles)
    coordinator: NodeFiles = files["coordinator"]
    assert {"config.properties", "node.properties", "jvm.config", "log.properties"} <= set(coordinator["files"])
    assert "coordinator=true" in coordinator["files"]["config.properties"]
    assert "coordinator=false" in files["worker"]["files"]["config.properties"]
    assert files["worker"]["rangerFiles"] == [], "Ranger runs on the coordinator only"
    ranger = coordinator["rangerFiles"]
    assert all(isinstance(f, RenderedFile) for f in ranger) and ranger
    assert "RANGER_DOWNLOAD_PASSWORD" in coordinator["env"]
    assert "connector.name=delta_lake" in files["catalogs"]["delta.properties"]


def test_invalid_cluster_specs_name_the_field_and_hide_secrets() -> None:
    with pytest.raises(InvalidInputError) as raised:
        TrinoClusterSpec.from_dict({**CLUSTER, "workers": {"replicas": 2, "resources": {"cpu": 1, "memory": "512Mi"}}})
    assert "workers.resources.memory 512Mi is too small" in raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        TrinoClusterSpec.from_yaml(yaml.safe_dump({**CLUSTER, "colour": "red"}))
    assert "colour" in raised.value.message and "line" in raised.value.message
    secret = "hunter2-inline-password"
    ranger = {"serviceName": "s", "adminUrls": ["http://r:6080"], "downloadAuth": {"username": "t", "password": secret}}
    with pytest.raises(InvalidInputError) as raised:
        TrinoClusterSpec.from_dict({**CLUSTER, "ranger": {**ranger, "bogus": 1}})
    assert "bogus" in raised.value.message and secret not in str(raised.value)


def test_a_gateway_spec_renders_its_objects_and_gateway_yaml(tmp_path: Path) -> None:
    spec = GatewayDeploymentSpec.from_dict({**GATEWAY, "rules": "rules:\n  - {name: etl, when: {source: {equals: airflow}}, routingGroup: etl}\n"})
    assert GatewayDeploymentSpec.from_yaml(yaml.safe_dump(GATEWAY)).manifests()[0].kind == "ServiceAccount"
    assert (spec.name, spec.replicas, spec.external_url) == ("trino-gateway", 2, "https://trino.acme.example.com/")
    assert spec.image.startswith("ghcr.io/trino-platform/trino-platform:")
    assert repr(spec).startswith("GatewayDeploymentSpec(name='trino-gateway', workspace='acme', namespace='trino-acme'")
    kinds = [m.kind for m in sorted_manifests(spec.manifests())]
    assert kinds == ["ServiceAccount", "Secret", "ConfigMap", "Service", "Cluster", "Deployment", "Ingress"]
    database = next(m for m in spec.manifests() if m.kind == "Cluster")
    assert database.api_version == "apps.kubeblocks.io/v1" and database.name == "trino-gateway-db"
    config = yaml.safe_load(spec.gateway_yaml())
    assert config["listen"]["http"] == "0.0.0.0:8080"
    assert config["admin"]["tokens"] == ["${ENV:TP_GATEWAY_ADMIN_TOKEN}"]
    assert config["routing"]["rulesFile"] == "/etc/trino-platform/rules.yaml"
    assert list(yaml.safe_load_all(spec.render())) == [m.object for m in sorted_manifests(spec.manifests())]
    assert len(spec.write_files(tmp_path)) == 8
    with pytest.raises(InvalidInputError) as raised:
        GatewayDeploymentSpec.from_dict({**GATEWAY, "replicas": 1})
    assert "replicas: 1 is too few" in raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        GatewayDeploymentSpec.from_dict({**GATEWAY, "config": {"store": "sqlite:///x.db"}})
    assert "config.store" in raised.value.message


# ------------------------------------------------------------------------------------ Manifest


def test_manifests_are_values_with_a_readable_repr() -> None:
    tenant = TenantSpec.load(EXAMPLE)
    first, second = tenant.manifests(), tenant.manifests()
    assert first == second and first[0] is not second[0]
    namespace = first[0]
    assert repr(namespace) == "Manifest(kind='Namespace', name='trino-acme')"
    assert str(namespace) == namespace.describe() == "Namespace trino-acme"
    assert namespace.namespace is None and namespace.api_version == "v1"
    deployment = next(m for m in first if m.kind == "Deployment")
    assert repr(deployment) == f"Manifest(kind='Deployment', namespace='trino-acme', name={deployment.name!r})"
    body = deployment.object
    body["spec"] = None
    assert deployment.object["spec"] is not None, "object is a new dict per call"
    assert isinstance(namespace, Manifest)
    with pytest.raises(TypeError):
        sorted_manifests([namespace, "Namespace x"])  # type: ignore[list-item]
    assert sorted_manifests(reversed(first))[0] == namespace
