"""Independent schema checks of rendered Kubernetes manifests.

Usage: validate.py MANIFESTS.yaml [--kubernetes-versions 1.33.0,1.37.0]

* Built-in kinds: ``kubernetes-validate --strict`` (PyPI; the OpenAPI schemas of each
  Kubernetes release) for every version given; unknown fields fail.
* KubeBlocks ``apps.kubeblocks.io/v1`` ``Cluster``: its CRD's ``openAPIV3Schema`` from the
  KubeBlocks Go module (github.com/apecloud/kubeblocks, fetched once from the Go module proxy
  into ``$TP_CACHE_DIR/kubeblocks``), checked with ``jsonschema``, strictly: an object schema
  that lists its properties and does not preserve unknown fields rejects any other field.

Exit status 0 when every document passes; otherwise each failure is printed and the status is 1.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import yaml

KUBEBLOCKS_MODULE = "github.com/apecloud/kubeblocks"
KUBEBLOCKS_VERSION = "v1.0.2"
CRD_PATH = "config/crd/bases/apps.kubeblocks.io_clusters.yaml"


def kubeblocks_cluster_schema() -> dict[str, Any]:
    cache = Path(os.environ.get("TP_CACHE_DIR", Path.home() / ".cache" / "trino-platform")) / "kubeblocks"
    crd_file = cache / KUBEBLOCKS_VERSION / "apps.kubeblocks.io_clusters.yaml"
    if not crd_file.exists():
        proxy = os.environ.get("GOPROXY", "https://proxy.golang.org").split(",")[0]
        url = f"{proxy}/{KUBEBLOCKS_MODULE}/@v/{KUBEBLOCKS_VERSION}.zip"
        with urllib.request.urlopen(url, timeout=300) as response:
            archive = zipfile.ZipFile(io.BytesIO(response.read()))
        text = archive.read(f"{KUBEBLOCKS_MODULE}@{KUBEBLOCKS_VERSION}/{CRD_PATH}")
        crd_file.parent.mkdir(parents=True, exist_ok=True)
        crd_file.write_bytes(text)
    crd = yaml.safe_load(crd_file.read_text())
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    return strict(version["schema"]["openAPIV3Schema"])


def strict(schema: Any) -> Any:
    """Closes every object schema that lists properties and does not preserve unknown fields."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if (
            schema.get("type") == "object"
            and "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("manifests")
    parser.add_argument("--kubernetes-versions", default="1.33.0,1.37.0")
    args = parser.parse_args()
    documents = [d for d in yaml.safe_load_all(Path(args.manifests).read_text()) if d]
    failures: list[str] = []
    builtin = [d for d in documents if d.get("apiVersion") != "apps.kubeblocks.io/v1"]
    custom = [d for d in documents if d.get("apiVersion") == "apps.kubeblocks.io/v1"]

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as out:
        yaml.safe_dump_all(builtin, out)
    validator = Path(sys.executable).with_name("kubernetes-validate")
    for version in args.kubernetes_versions.split(","):
        result = subprocess.run(
            [str(validator), "--strict", "--quiet", "-k", version, out.name],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            failures.append(f"kubernetes-validate --strict -k {version}:\n{result.stdout}{result.stderr}")
    os.unlink(out.name)

    if custom:
        schema = kubeblocks_cluster_schema()
        for document in custom:
            if document.get("kind") != "Cluster":
                failures.append(f"unexpected KubeBlocks kind {document.get('kind')}")
                continue
            # The CRD describes spec and status; metadata is the API server's ObjectMeta.
            body = {k: v for k, v in document.items() if k not in ("apiVersion", "kind", "metadata")}
            errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(body), key=lambda e: list(e.path))
            for error in errors:
                path = ".".join(str(p) for p in error.path)
                failures.append(f"KubeBlocks Cluster {document['metadata']['name']}: {path}: {error.message}")

    for failure in failures:
        print(failure)
    print(json.dumps({"documents": len(documents), "kubeblocks": len(custom), "failures": len(failures)}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
