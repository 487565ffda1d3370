"""Deploy a tenant of the data platform from its tenant file: what a platform team's pipeline does
with trino_platform.

1. loads and validates the tenant file (``examples/tenant.yaml`` is one) and checks that every
   variable holding one of its secrets is set, before anything is read or written,
2. writes its Kubernetes manifests as GitOps files (one per object and a ``kustomization.yaml``)
   for review, with ``--out-dir``,
3. plans: reads S3, Keycloak, Ranger, Kubernetes (a server-side dry run) and the gateway's
   registry, and lists what would change,
4. applies only that (unless ``--plan-only``): the platform bundle, then each cluster bundle,
   waiting until the workloads are ready, with progress on stderr.

A second run changes nothing. ``--delete`` removes what applying made, clusters first. The summary
printed (JSON) never holds a secret; the exit status is 2 for a failure, with its kind and message
on stderr (a rerun finishes an interrupted apply).

    python examples/python/deploy_tenant.py --tenant examples/tenant.yaml --out-dir deploy/acme \\
        --kubeconfig ~/.kube/config --context prod

Kubernetes is reached through ``--kubeconfig`` (and ``--context``), else as ``kubectl`` does; the
registry through the variable the tenant names (``platform.registry.storeEnv``, default
``TRINO_PLATFORM_STORE``); S3 credentials from the AWS default chain.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from trino_platform import BundleEvent, BundleReport, Targets, TenantSpec, TrinoPlatformError


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", type=Path, required=True, help="the tenant file (YAML)")
    parser.add_argument("--out-dir", type=Path, help="where to write the GitOps files")
    parser.add_argument("--kubeconfig", type=Path, help="the kubeconfig file [default: as kubectl finds it]")
    parser.add_argument("--context", help="its context [default: its current context]")
    parser.add_argument("--wait", type=float, default=600, help="seconds to wait for workloads to become ready")
    parser.add_argument("--poll-interval", type=float, help="seconds between readiness checks [default: 2]")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--plan-only", action="store_true", help="plan, change nothing")
    action.add_argument("--delete", action="store_true", help="remove what applying made")
    return parser.parse_args(argv)


def changes(report: BundleReport) -> list[str]:
    """``system target outcome (details)`` for each step that changes something."""
    lines = []
    for step in report.changes():
        details = f" ({', '.join(step.details)})" if step.details else ""
        lines.append(f"{step.system} {step.target} {step.outcome}{details}")
    return lines


def progress(event: BundleEvent) -> None:
    print(f"{event.system}: {event.message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    tenant = TenantSpec.load(args.tenant)
    tenant.check_environment()
    summary: dict[str, Any] = {"workspace": tenant.workspace, "namespace": tenant.namespace}
    if args.out_dir:
        summary["files"] = [str(path) for path in tenant.write_files(args.out_dir)]
    with Targets.connect(
        tenant,
        kubeconfig=args.kubeconfig,
        context=args.context,
        wait_timeout=args.wait,
        poll_interval=args.poll_interval,
    ) as targets:
        if args.delete:
            deleted = tenant.delete(targets, progress=progress)
            summary.update(deleted=changes(deleted), changed=deleted.changed)
            return summary
        plan = tenant.plan(targets)
        summary["planned"] = changes(plan)
        if args.plan_only or not plan.changed:
            summary["changed"] = False
            return summary
        applied = tenant.apply(targets, progress=progress)
        summary.update(applied=changes(applied), changed=applied.changed)
    return summary


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    try:
        summary = run(args)
    except TrinoPlatformError as e:
        print(f"error ({e.kind}): {e.message}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
