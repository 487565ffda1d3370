//! The workspace's namespace.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::manifest::{FIELD_MANAGER, Kind, MANAGED_BY_LABEL, Manifest, WORKSPACE_LABEL};
use super::names::ObjectName;
use crate::error::Result;
use crate::exchange::Workspace;

/// The namespace `name` of `workspace`, labelled with it (and as managed by trino-platform).
pub fn namespace(name: &ObjectName, workspace: &Workspace) -> Result<Manifest> {
    let labels = [(WORKSPACE_LABEL, workspace.as_str()), (MANAGED_BY_LABEL, FIELD_MANAGER)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let object = Namespace {
        metadata: ObjectMeta { name: Some(name.to_string()), labels: Some(labels), ..ObjectMeta::default() },
        ..Namespace::default()
    };
    Manifest::new(Kind::Namespace, &object)
}
