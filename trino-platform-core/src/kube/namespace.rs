//! The workspace's namespace.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::manifest::{FIELD_MANAGER, Kind, MANAGED_BY_LABEL, Manifest, WORKSPACE_LABEL};
use super::names::ObjectName;
use std::collections::BTreeMap;

use super::pod::validate_label;
use crate::error::{Error, Result};
use crate::exchange::Workspace;

/// The namespace `name` of `workspace`, labelled with it, as managed by trino-platform, and
/// with `extra` labels. Fails with `InvalidInput` when an extra label would replace one of
/// those or is not a valid label.
pub fn namespace(name: &ObjectName, workspace: &Workspace, extra: &BTreeMap<String, String>) -> Result<Manifest> {
    let mut labels: BTreeMap<String, String> =
        [(WORKSPACE_LABEL, workspace.as_str()), (MANAGED_BY_LABEL, FIELD_MANAGER)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    for (key, value) in extra {
        if labels.contains_key(key) {
            return Err(Error::invalid_input(format!("labels: {key} is set by trino-platform")));
        }
        validate_label(key, value)?;
        labels.insert(key.clone(), value.clone());
    }
    let object = Namespace {
        metadata: ObjectMeta { name: Some(name.to_string()), labels: Some(labels), ..ObjectMeta::default() },
        ..Namespace::default()
    };
    Manifest::new(Kind::Namespace, &object)
}
