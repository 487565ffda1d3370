//! What every pod and object of the library shares: labels, object metadata, the hardened
//! security context, environment variables from a Secret, and the resource block.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Capabilities, EnvVar, EnvVarSource, PodSecurityContext, ResourceRequirements, SeccompProfile, SecretKeySelector,
    SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::manifest::{
    COMPONENT_LABEL, FIELD_MANAGER, INSTANCE_LABEL, MANAGED_BY_LABEL, PART_OF_LABEL, WORKSPACE_LABEL,
};
use super::quantity::Quantity;
use crate::error::{Error, Result};

/// The labels of one part of a workspace's deployment.
#[derive(Debug, Clone)]
pub(crate) struct Labels {
    /// Every label of the objects.
    pub all: BTreeMap<String, String>,
    /// The ones that select the pods of one component (stable across changes of the others).
    pub selector: BTreeMap<String, String>,
}

impl Labels {
    /// Labels of `component` of `instance`, part of `part_of` in `workspace`, plus `extra`.
    /// Fails with `InvalidInput` when an extra label would replace one of these or is not a
    /// valid label.
    pub fn new(
        workspace: &str,
        part_of: &str,
        instance: &str,
        component: &str,
        extra: &BTreeMap<String, String>,
    ) -> Result<Self> {
        let selector: BTreeMap<String, String> = [
            (INSTANCE_LABEL, instance),
            (COMPONENT_LABEL, component),
            (PART_OF_LABEL, part_of),
            (WORKSPACE_LABEL, workspace),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut all = selector.clone();
        all.insert(MANAGED_BY_LABEL.to_owned(), FIELD_MANAGER.to_owned());
        for (key, value) in extra {
            if all.contains_key(key) {
                return Err(Error::invalid_input(format!("labels: {key} is set by trino-platform")));
            }
            validate_label(key, value)?;
            all.insert(key.clone(), value.clone());
        }
        Ok(Self { all, selector })
    }

    /// The same labels for another component of the same instance.
    pub fn component(&self, component: &str) -> Self {
        let mut labels = self.clone();
        labels.all.insert(COMPONENT_LABEL.to_owned(), component.to_owned());
        labels.selector.insert(COMPONENT_LABEL.to_owned(), component.to_owned());
        labels
    }

    /// Object metadata: `name` in `namespace`, with these labels.
    pub fn meta(&self, name: &str, namespace: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(namespace.to_owned()),
            labels: Some(self.all.clone()),
            ..ObjectMeta::default()
        }
    }
}

/// A label `key: value` as Kubernetes accepts it (an optional DNS prefix, a name of 1–63
/// characters; a value of 0–63). Fails with `InvalidInput` naming the label.
pub(crate) fn validate_label(key: &str, value: &str) -> Result<()> {
    let name_ok = |s: &str| {
        (1..=63).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let (prefix, name) = key.rsplit_once('/').map_or((None, key), |(p, n)| (Some(p), n));
    let prefix_ok =
        prefix.is_none_or(|p| p.len() <= 253 && p.split('.').all(|part| name_ok(part) && !part.contains('_')));
    let value_ok = value.is_empty() || name_ok(value);
    if name_ok(name) && prefix_ok && value_ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!("labels: {key}={value:?} is not a valid Kubernetes label")))
    }
}

/// Runs as the image's unprivileged user (uid 1000), no privilege escalation, no capabilities,
/// the runtime's seccomp profile.
pub(crate) fn pod_security_context() -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(1000),
        run_as_group: Some(1000),
        fs_group: Some(1000),
        seccomp_profile: Some(SeccompProfile { type_: "RuntimeDefault".to_owned(), ..SeccompProfile::default() }),
        ..PodSecurityContext::default()
    }
}

/// A container that cannot escalate or write its root file system.
pub(crate) fn container_security_context() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        capabilities: Some(Capabilities { drop: Some(vec!["ALL".to_owned()]), ..Capabilities::default() }),
        ..SecurityContext::default()
    }
}

/// One environment variable per name, each read from the key of the same name in `secret`.
pub(crate) fn env_from_secret<'a>(names: impl IntoIterator<Item = &'a String>, secret: &str) -> Vec<EnvVar> {
    names
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|name| EnvVar {
            name: name.clone(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secret.to_owned(),
                    key: name.clone(),
                    optional: Some(false),
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        })
        .collect()
}

/// Requests `cpu` and `memory`; limits memory only (a CPU limit throttles, a memory limit is
/// what the JVM sizes its heap from).
pub(crate) fn resources(cpu: &Quantity, memory: &Quantity) -> ResourceRequirements {
    ResourceRequirements {
        requests: Some(BTreeMap::from([("cpu".to_owned(), cpu.to_k8s()), ("memory".to_owned(), memory.to_k8s())])),
        limits: Some(BTreeMap::from([("memory".to_owned(), memory.to_k8s())])),
        ..ResourceRequirements::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_labels_cannot_replace_ours_or_be_invalid() {
        let extra = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
        assert!(Labels::new("acme", "p", "i", "c", &extra("team", "data")).is_ok());
        assert!(Labels::new("acme", "p", "i", "c", &extra("example.com/team", "data")).is_ok());
        assert!(Labels::new("acme", "p", "i", "c", &extra(MANAGED_BY_LABEL, "me")).is_err());
        assert!(Labels::new("acme", "p", "i", "c", &extra("bad key", "x")).is_err());
        assert!(Labels::new("acme", "p", "i", "c", &extra("team", "no spaces")).is_err());
    }
}
