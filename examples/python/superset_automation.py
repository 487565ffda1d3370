"""Onboard a workspace for Superset: what a Superset automation job does with trino_platform.

1. registers the workspace's Trino cluster behind the gateway (in the gateway's cluster store),
2. ensures the workspace's S3 exchange bucket (fault-tolerant execution) and renders Trino's
   ``exchange-manager.properties``,
3. ensures the workspace's OAuth client in Keycloak (Superset's service account uses it too),
   writes its secret to a file (mode 0600) and renders Trino's OAuth2 properties,
4. checks with the workspace's Ranger policies that Superset's service user may read the tables
   its dashboards use, and that nobody else may.

Every step is idempotent: a second run changes nothing. ``--offboard`` undoes steps 1 to 3. The
summary printed (JSON) never holds a secret; the exit status is 1 when a Ranger check fails.

    python examples/python/superset_automation.py --workspace acme --trino-url http://trino-acme:8080 \\
        --store-url postgres://gateway:...@db/gateway --keycloak-url https://keycloak.example.com \\
        --gateway-url https://trino.example.com --out-dir /tmp/acme

The Keycloak admin password comes from ``KEYCLOAK_ADMIN_PASSWORD``; S3 credentials from the AWS
default chain (``AWS_ACCESS_KEY_ID``, a profile, an instance role, ...). The asyncio version of
the same job is ``superset_automation_async.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from trino_platform import (
    AlreadyExistsError,
    ClusterStore,
    EnsureReport,
    EnsuredClient,
    ExchangeBuckets,
    ExchangeBucketSpec,
    KeycloakAdmin,
    NotFoundError,
    PolicyEngine,
    issuer_url,
    trino_oauth2_properties,
)

HERE = Path(__file__).resolve().parent
TRINO_VERSION = 476

#: What Superset's dashboards read, and who must (not) read it: (user, groups, table, columns,
#: expected decision).
RANGER_CHECKS = [
    ("superset", ["superset-service"], "delta.sales.orders", ["order_id", "amount"], True),
    ("superset", ["superset-service"], "delta.sales.payments", ["card_number"], False),
    ("mallory", ["marketing"], "delta.sales.orders", ["amount"], False),
]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True, help="the workspace (tenant) name")
    parser.add_argument("--trino-url", required=True, help="where the gateway reaches the workspace's coordinator")
    parser.add_argument("--store-url", required=True, help="the gateway's cluster store (sqlite:// or postgres://)")
    parser.add_argument("--gateway-url", default="https://trino.example.com", help="the gateway's external URL")
    parser.add_argument("--keycloak-url", required=True)
    parser.add_argument("--keycloak-admin-user", default="admin")
    parser.add_argument("--realm", default="platform")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--s3-endpoint", help="an S3-compatible endpoint (path-style, plain HTTP allowed)")
    parser.add_argument("--policies", type=Path, default=HERE / "ranger-policies.json", help="Ranger policy JSON")
    parser.add_argument("--out-dir", type=Path, help="where to write the rendered files and the client secret")
    parser.add_argument("--offboard", action="store_true", help="remove what onboarding made")
    args = parser.parse_args(argv)
    args.keycloak_admin_password = os.environ.get("KEYCLOAK_ADMIN_PASSWORD")
    if not args.keycloak_admin_password:
        parser.error("set KEYCLOAK_ADMIN_PASSWORD")
    return args


def cluster_name(args: argparse.Namespace) -> str:
    return f"trino-{args.workspace}"


def exchange_spec(args: argparse.Namespace) -> ExchangeBucketSpec:
    spec: dict[str, Any] = {"workspace": args.workspace, "region": args.region, "tags": {"app": "superset"}}
    if args.s3_endpoint:
        spec.update(endpoint=args.s3_endpoint, pathStyle=True, requireTls=False)
    return ExchangeBucketSpec.from_dict(spec)


def client_spec(args: argparse.Namespace) -> dict[str, Any]:
    """Trino's OAuth client for the workspace, behind the gateway; Superset's automation logs in
    with its service account (client credentials)."""
    return {
        "realm": args.realm,
        "clientId": f"trino-{args.workspace}",
        "externalUrl": args.gateway_url,
        "serviceAccounts": True,
        "ensureRealm": True,
    }


def exchange_changed(report: EnsureReport) -> bool:
    return report["created"] or bool(report["applied"])


def write(out_dir: Path | None, name: str, text: str, *, secret: bool = False) -> None:
    if out_dir is None:
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    mode = 0o600 if secret else 0o644
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w") as file:
        file.write(text)
    os.chmod(path, mode)  # also when the file was there before


def render(args: argparse.Namespace, spec: ExchangeBucketSpec, client: EnsuredClient) -> None:
    """The files Trino's coordinator needs (no network)."""
    write(args.out_dir, "exchange-manager.properties", spec.exchange_manager_properties())
    issuer = issuer_url(args.keycloak_url, args.realm)
    oauth2 = trino_oauth2_properties({"issuer": issuer, "clientId": client.client_id}, TRINO_VERSION)
    write(args.out_dir, "oauth2.properties", oauth2)
    write(args.out_dir, "client-secret", client.secret.reveal(), secret=True)


def check_ranger(policies: Path) -> list[dict[str, Any]]:
    """Each of ``RANGER_CHECKS`` decided as Trino's Ranger plugin would, from the policy JSON."""
    engine = PolicyEngine.from_json(policies.read_text())
    results = []
    for user, groups, table, columns, expected in RANGER_CHECKS:
        decision = engine.evaluate_action("selectFromColumns", table, user=user, groups=groups, columns=columns)
        results.append(
            {
                "check": f"{user} selects {', '.join(columns)} from {table}",
                "allowed": decision["allowed"],
                "expected": expected,
                "policy": decision.get("policyName"),
            }
        )
    return results


def register_cluster(store: ClusterStore, args: argparse.Namespace) -> dict[str, Any]:
    """Registers the cluster, or aligns a registration that differs; returns what it did."""
    name = cluster_name(args)
    try:
        cluster = store.register(name, args.trino_url, routing_group=args.workspace)
        return {"name": cluster.name, "changed": True}
    except AlreadyExistsError:
        current = store.get(name)
        if (current.proxy_to, current.routing_group, current.active) == (args.trino_url, args.workspace, True):
            return {"name": name, "changed": False}
        store.update(name, proxy_to=args.trino_url, routing_group=args.workspace, active=True)
        return {"name": name, "changed": True}


def onboard(args: argparse.Namespace) -> dict[str, Any]:
    with ClusterStore.open(args.store_url) as store:
        cluster = register_cluster(store, args)
    spec = exchange_spec(args)
    with ExchangeBuckets.connect(spec) as buckets:
        bucket = buckets.ensure()
    with KeycloakAdmin.connect(
        args.keycloak_url, username=args.keycloak_admin_user, password=args.keycloak_admin_password
    ) as keycloak:
        client = keycloak.ensure_client(client_spec(args))
    render(args, spec, client)
    return summary(cluster, bucket, client, check_ranger(args.policies))


def summary(
    cluster: dict[str, Any], bucket: EnsureReport, client: EnsuredClient, ranger: list[dict[str, Any]]
) -> dict[str, Any]:
    changed = cluster["changed"] or exchange_changed(bucket) or client.changed
    return {
        "cluster": cluster,
        "exchangeBucket": {
            "bucket": bucket["bucket"],
            "changed": exchange_changed(bucket),
            "applied": [c["setting"] for c in bucket["applied"]],
        },
        "keycloakClient": client.to_dict(),
        "ranger": ranger,
        "changed": changed,
    }


def offboard(args: argparse.Namespace) -> dict[str, Any]:
    with ClusterStore.open(args.store_url) as store:
        try:
            removed = store.remove(cluster_name(args)).name
        except NotFoundError:
            removed = None
    with ExchangeBuckets.connect(exchange_spec(args)) as buckets:
        torn = buckets.teardown(progress=lambda p: print(f"teardown: {p['phase']}", file=sys.stderr))
    with KeycloakAdmin.connect(
        args.keycloak_url, username=args.keycloak_admin_user, password=args.keycloak_admin_password
    ) as keycloak:
        deleted = keycloak.delete_client(args.realm, client_spec(args)["clientId"])
    return {"clusterRemoved": removed, "bucketDeleted": torn["existed"], "clientDeleted": deleted}


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    result = offboard(args) if args.offboard else onboard(args)
    print(json.dumps(result, indent=2))
    failed = [r["check"] for r in result.get("ranger", []) if r["allowed"] != r["expected"]]
    for check in failed:
        print(f"Ranger check failed: {check}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
