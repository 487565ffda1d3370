//! Manifests as files for GitOps: one YAML file per object and a `kustomization.yaml` that
//! lists them in apply order, so `kubectl apply -k DIR` (or Argo CD / Flux) deploys them.
//!
//! Secrets are written without values: each carries the annotation
//! [`SECRET_SOURCES_ANNOTATION`](super::SECRET_SOURCES_ANNOTATION) naming its keys and where
//! their values come from, for the secret manager that fills them (External Secrets, Sealed
//! Secrets, …), or apply with trino-platform, which fills them itself.

use std::path::{Path, PathBuf};

use super::manifest::{Manifest, sorted};
use crate::error::{Error, Result};

/// Writes `manifests` under `dir` (created if needed) as `{NN}-{kind}-{namespace}-{name}.yaml`
/// plus `kustomization.yaml`; returns the paths written, in apply order. Files already there
/// with other names are left alone. Fails with `InvalidInput` when a file cannot be written.
pub fn write_files(dir: &Path, manifests: &[Manifest]) -> Result<Vec<PathBuf>> {
    let io = |path: &Path, e: std::io::Error| {
        Error::invalid_input(format!("cannot write {}: {e}", path.display())).with_source(e)
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut written = Vec::new();
    let mut names = Vec::new();
    for (index, manifest) in sorted(manifests).into_iter().enumerate() {
        let scope = manifest.namespace().map_or(String::new(), |ns| format!("{ns}-"));
        let name = format!("{index:02}-{}-{scope}{}.yaml", manifest.kind().name().to_lowercase(), manifest.name());
        let path = dir.join(&name);
        std::fs::write(&path, manifest.to_yaml()?).map_err(|e| io(&path, e))?;
        names.push(name);
        written.push(path);
    }
    let mut kustomization =
        String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
    for name in &names {
        kustomization.push_str(&format!("  - {name}\n"));
    }
    let path = dir.join("kustomization.yaml");
    std::fs::write(&path, kustomization).map_err(|e| io(&path, e))?;
    written.push(path);
    Ok(written)
}
