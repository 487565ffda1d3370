//! Realms: ensure (create when missing, align `enabled`/`displayName`; or only plan that) and
//! delete.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::admin::KeycloakAdmin;
use super::client::Mode;
use super::spec::validate_realm;
use crate::error::{ErrorKind, Result};

/// A realm as the platform wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RealmSpec {
    /// The realm name.
    pub realm: String,
    /// Display name (left alone when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the realm is enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl RealmSpec {
    /// An enabled realm named `realm`.
    pub fn new(realm: impl Into<String>) -> Self {
        Self { realm: realm.into(), display_name: None, enabled: true }
    }
}

/// What converging a realm did (or, planning, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RealmChange {
    /// It was missing (and was, or would be, created).
    Created,
    /// `enabled` or `displayName` differed.
    Updated,
    /// Already as wanted (or created meanwhile by someone else).
    Unchanged,
}

impl KeycloakAdmin {
    /// Creates the realm when missing, else aligns `enabled` and `displayName`; returns whether
    /// anything changed. Fails with `InvalidInput` for a bad name, `Forbidden` without the
    /// rights, and the usual transport errors.
    pub async fn ensure_realm(&self, spec: &RealmSpec) -> Result<bool> {
        Ok(self.converge_realm(spec, Mode::Apply).await? != RealmChange::Unchanged)
    }

    /// The steps of [`ensure_realm`](Self::ensure_realm), writing only in `Apply` mode.
    pub(super) async fn converge_realm(&self, spec: &RealmSpec, mode: Mode) -> Result<RealmChange> {
        validate_realm(&spec.realm)?;
        let realm = spec.realm.as_str();
        let what = format!("reading realm {realm}");
        match self.get_json::<Value>(&[realm], &[], &what).await {
            Ok(mut current) => {
                let mut changed = current.get("enabled").and_then(Value::as_bool) != Some(spec.enabled);
                current["enabled"] = Value::Bool(spec.enabled);
                if let Some(display) = &spec.display_name
                    && current.get("displayName").and_then(Value::as_str) != Some(display.as_str())
                {
                    current["displayName"] = Value::String(display.clone());
                    changed = true;
                }
                if !changed {
                    return Ok(RealmChange::Unchanged);
                }
                let what = format!("updating realm {realm}");
                self.write(mode, Method::PUT, &[realm], Some(&current), &what).await?;
                Ok(RealmChange::Updated)
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let mut body = json!({"realm": realm, "enabled": spec.enabled});
                if let Some(display) = &spec.display_name {
                    body["displayName"] = Value::String(display.clone());
                }
                let what = format!("creating realm {realm}");
                match self.write(mode, Method::POST, &[], Some(&body), &what).await {
                    Ok(_) => Ok(RealmChange::Created),
                    // Created meanwhile by someone else: it exists, as wanted.
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(RealmChange::Unchanged),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes the realm; returns whether it existed.
    pub async fn delete_realm(&self, realm: &str) -> Result<bool> {
        validate_realm(realm)?;
        match self.send(Method::DELETE, &[realm], &[], None, &format!("deleting realm {realm}")).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}
