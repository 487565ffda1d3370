"""The job of ``superset_automation.py`` with the asyncio API: the cluster registration, the
exchange bucket and the Keycloak client are independent, so they run at once
(``asyncio.gather``), on trino_platform's runtime; the event loop stays free for the rest of an
async automation service meanwhile. Same arguments, same summary, same exit status.

    python examples/python/superset_automation_async.py --workspace acme --trino-url http://trino-acme:8080 \\
        --store-url postgres://gateway:...@db/gateway --keycloak-url https://keycloak.example.com
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from superset_automation import (
    arguments,
    check_ranger,
    client_spec,
    cluster_name,
    exchange_spec,
    render,
    summary,
)
from trino_platform import (
    AlreadyExistsError,
    AsyncClusterStore,
    AsyncExchangeBuckets,
    AsyncKeycloakAdmin,
    EnsureReport,
    EnsuredClient,
    NotFoundError,
    Opening,
)


async def register_cluster(args: argparse.Namespace) -> dict[str, Any]:
    """Registers the cluster, or aligns a registration that differs; returns what it did."""
    name = cluster_name(args)
    async with AsyncClusterStore.open(args.store_url) as store:
        try:
            cluster = await store.register(name, args.trino_url, routing_group=args.workspace)
            return {"name": cluster.name, "changed": True}
        except AlreadyExistsError:
            current = await store.get(name)
            if (current.proxy_to, current.routing_group, current.active) == (args.trino_url, args.workspace, True):
                return {"name": name, "changed": False}
            await store.update(name, proxy_to=args.trino_url, routing_group=args.workspace, active=True)
            return {"name": name, "changed": True}


async def ensure_bucket(args: argparse.Namespace) -> EnsureReport:
    async with AsyncExchangeBuckets.connect(exchange_spec(args)) as buckets:
        return await buckets.ensure()


def keycloak(args: argparse.Namespace) -> Opening[AsyncKeycloakAdmin]:
    return AsyncKeycloakAdmin.connect(
        args.keycloak_url, username=args.keycloak_admin_user, password=args.keycloak_admin_password
    )


async def ensure_client(args: argparse.Namespace) -> EnsuredClient:
    async with keycloak(args) as admin:
        return await admin.ensure_client(client_spec(args))


async def onboard(args: argparse.Namespace) -> dict[str, Any]:
    cluster, bucket, client = await asyncio.gather(register_cluster(args), ensure_bucket(args), ensure_client(args))
    render(args, exchange_spec(args), client)
    return summary(cluster, bucket, client, check_ranger(args.policies))


async def offboard(args: argparse.Namespace) -> dict[str, Any]:
    async def remove_cluster() -> str | None:
        async with AsyncClusterStore.open(args.store_url) as store:
            try:
                return (await store.remove(cluster_name(args))).name
            except NotFoundError:
                return None

    async def teardown() -> bool:
        async with AsyncExchangeBuckets.connect(exchange_spec(args)) as buckets:
            report = await buckets.teardown(progress=lambda p: print(f"teardown: {p['phase']}", file=sys.stderr))
            return report["existed"]

    async def delete_client() -> bool:
        async with keycloak(args) as admin:
            return await admin.delete_client(args.realm, client_spec(args)["clientId"])

    removed, deleted_bucket, deleted_client = await asyncio.gather(remove_cluster(), teardown(), delete_client())
    return {"clusterRemoved": removed, "bucketDeleted": deleted_bucket, "clientDeleted": deleted_client}


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    result = asyncio.run(offboard(args) if args.offboard else onboard(args))
    print(json.dumps(result, indent=2))
    failed = [r["check"] for r in result.get("ranger", []) if r["allowed"] != r["expected"]]
    for check in failed:
        print(f"Ranger check failed: {check}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
