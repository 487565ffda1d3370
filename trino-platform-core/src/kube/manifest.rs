//! [`Manifest`]: one Kubernetes object as the library builds, renders and applies it.
//!
//! Objects are built with k8s-openapi's typed structs (or, for KubeBlocks, from the CRD's field
//! names) and kept as JSON together with their [`Kind`], which knows the API path. A Secret's
//! values are never part of the JSON: they are [`SecretValue`]s, resolved only when the object
//! is applied, so neither `render` nor `Debug` can show one.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::error::{Error, ErrorKind, Result};

/// Label every object carries: `app.kubernetes.io/managed-by: trino-platform`. `delete` only
/// removes objects that carry it.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY_LABEL`], and the server-side apply field manager.
pub const FIELD_MANAGER: &str = "trino-platform";
/// Label naming the workspace (tenant) an object belongs to.
pub const WORKSPACE_LABEL: &str = "trino-platform.io/workspace";
/// Label naming the bundle part an object belongs to (`gateway`, `cluster-{name}`).
pub const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";
/// Label naming the component (`coordinator`, `worker`, `gateway`, `database`).
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
/// Label naming the instance (the Trino cluster or gateway name).
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
/// Pod-template annotation holding the checksum of the pod's configuration, so that a change
/// of any mounted file rolls the pods.
pub const CONFIG_CHECKSUM_ANNOTATION: &str = "trino-platform.io/config-checksum";
/// Annotation of a rendered Secret that lists its keys and where each value comes from (the
/// values themselves are never rendered).
pub const SECRET_SOURCES_ANNOTATION: &str = "trino-platform.io/secret-sources";

/// The kinds of object the library manages, with their API coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum Kind {
    /// `v1` Namespace (cluster-scoped).
    Namespace,
    /// `v1` ServiceAccount.
    ServiceAccount,
    /// `v1` Secret.
    Secret,
    /// `v1` ConfigMap.
    ConfigMap,
    /// `v1` Service.
    Service,
    /// `apps.kubeblocks.io/v1` Cluster (the gateway's PostgreSQL).
    KubeBlocksCluster,
    /// `apps/v1` Deployment.
    Deployment,
    /// `networking.k8s.io/v1` Ingress.
    Ingress,
}

impl Kind {
    /// Every kind, in apply order: what others refer to comes first (the namespace, then
    /// accounts, secrets and config, then the workloads that mount them).
    pub const APPLY_ORDER: [Kind; 8] = [
        Kind::Namespace,
        Kind::ServiceAccount,
        Kind::Secret,
        Kind::ConfigMap,
        Kind::Service,
        Kind::KubeBlocksCluster,
        Kind::Deployment,
        Kind::Ingress,
    ];

    /// The `apiVersion` (`v1`, `apps/v1`, …).
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Namespace | Kind::ServiceAccount | Kind::Secret | Kind::ConfigMap | Kind::Service => "v1",
            Kind::Deployment => "apps/v1",
            Kind::Ingress => "networking.k8s.io/v1",
            Kind::KubeBlocksCluster => "apps.kubeblocks.io/v1",
        }
    }

    /// The API group (empty for the core group).
    pub fn group(self) -> &'static str {
        self.api_version().rsplit_once('/').map_or("", |(group, _)| group)
    }

    /// The version part of the `apiVersion`.
    pub fn version(self) -> &'static str {
        self.api_version().rsplit_once('/').map_or(self.api_version(), |(_, version)| version)
    }

    /// The `kind` field.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::Secret => "Secret",
            Kind::ConfigMap => "ConfigMap",
            Kind::Service => "Service",
            Kind::Deployment => "Deployment",
            Kind::Ingress => "Ingress",
            Kind::KubeBlocksCluster => "Cluster",
        }
    }

    /// The resource's plural, as in its API path.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::ServiceAccount => "serviceaccounts",
            Kind::Secret => "secrets",
            Kind::ConfigMap => "configmaps",
            Kind::Service => "services",
            Kind::Deployment => "deployments",
            Kind::Ingress => "ingresses",
            Kind::KubeBlocksCluster => "clusters",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn namespaced(self) -> bool {
        self != Kind::Namespace
    }

    /// The API path of one object (`/api/v1/namespaces/ns/configmaps/name`, …).
    pub fn path(self, namespace: Option<&str>, name: &str) -> String {
        let root = match self.group() {
            "" => format!("/api/{}", self.version()),
            group => format!("/apis/{group}/{}", self.version()),
        };
        match namespace.filter(|_| self.namespaced()) {
            Some(ns) => format!("{root}/namespaces/{ns}/{}/{name}", self.plural()),
            None => format!("{root}/{}/{name}", self.plural()),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the value of one Secret key comes from. Resolved when the Secret is applied, never
/// rendered.
#[derive(Clone)]
pub enum SecretValue {
    /// The value of this environment variable of the process that applies (for example a CI
    /// job's `KEYCLOAK_CLIENT_SECRET`). Applying fails with `InvalidInput` when it is unset.
    FromEnv(String),
    /// Random bytes (hex, twice this many characters), made once: a value already in the
    /// cluster's Secret is kept, so reapplying never rotates it.
    Generated {
        /// How many random bytes.
        bytes: usize,
    },
    /// A value the library obtained while applying (for example the OAuth client secret that
    /// Keycloak returned).
    Given(SecretString),
}

impl SecretValue {
    /// What a rendered Secret says of the value: `env:NAME`, `generated`, `given`.
    pub fn describe(&self) -> String {
        match self {
            SecretValue::FromEnv(name) => format!("env:{name}"),
            SecretValue::Generated { .. } => "generated".to_owned(),
            SecretValue::Given(_) => "given".to_owned(),
        }
    }

    /// The value, from the environment or as given; `existing` is the value the cluster holds,
    /// which a generated value keeps. Fails with `InvalidInput` naming the variable when an
    /// environment variable is unset.
    pub fn resolve(&self, existing: Option<&str>) -> Result<SecretString> {
        match self {
            SecretValue::FromEnv(name) => std::env::var(name).map(SecretString::from).map_err(|_| {
                Error::invalid_input(format!(
                    "the environment variable {name} is not set: it holds a secret the deployment needs"
                ))
            }),
            SecretValue::Generated { bytes } => Ok(match existing {
                Some(value) if !value.is_empty() => SecretString::from(value.to_owned()),
                _ => SecretString::from(random_hex(*bytes)?),
            }),
            SecretValue::Given(value) => Ok(value.clone()),
        }
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (SecretValue::FromEnv(a), SecretValue::FromEnv(b)) => a == b,
            (SecretValue::Generated { bytes: a }, SecretValue::Generated { bytes: b }) => a == b,
            (SecretValue::Given(a), SecretValue::Given(b)) => a.expose_secret() == b.expose_secret(),
            _ => false,
        }
    }
}

fn random_hex(bytes: usize) -> Result<String> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut buf = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::new(ErrorKind::Internal, "the system random generator failed"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// One Kubernetes object: its kind, name, namespace and body. For a Secret made with
/// [`Manifest::secret`], the keys and where their values come from (`secret_data`); the body
/// has no `data` (a Secret wrapped with [`Manifest::new`] keeps whatever `data` or
/// `stringData` it was given, and [`resolved`](Manifest::resolved) applies it).
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    kind: Kind,
    name: String,
    namespace: Option<String>,
    object: Value,
    secret_data: BTreeMap<String, SecretValue>,
}

impl Manifest {
    /// Wraps a typed k8s-openapi object (or any serializable object with `metadata.name`).
    /// Fails with `Internal` when it does not serialize to an object with a name.
    pub fn new<T: serde::Serialize>(kind: Kind, object: &T) -> Result<Self> {
        let mut object = serde_json::to_value(object)
            .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot serialize a {kind}: {e}")).with_source(e))?;
        let Some(fields) = object.as_object_mut() else {
            return Err(Error::new(ErrorKind::Internal, format!("a {kind} did not serialize to an object")));
        };
        fields.insert("apiVersion".to_owned(), kind.api_version().into());
        fields.insert("kind".to_owned(), kind.name().into());
        let meta = &object["metadata"];
        let name = meta["name"]
            .as_str()
            .ok_or_else(|| Error::new(ErrorKind::Internal, format!("a {kind} has no name")))?
            .to_owned();
        let namespace = meta["namespace"].as_str().map(str::to_owned);
        if kind.namespaced() && namespace.is_none() {
            return Err(Error::new(ErrorKind::Internal, format!("{kind} {name} has no namespace")));
        }
        Ok(Self { kind, name, namespace, object, secret_data: BTreeMap::new() })
    }

    /// A Secret named `name` in `namespace` with these `labels` and values.
    pub fn secret(
        name: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        data: BTreeMap<String, SecretValue>,
    ) -> Result<Self> {
        let sources = data.iter().map(|(key, value)| format!("{key}={}", value.describe())).collect::<Vec<_>>();
        let object = json!({
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": labels,
                "annotations": { SECRET_SOURCES_ANNOTATION: sources.join(",") },
            },
            "type": "Opaque",
        });
        let mut manifest = Self::new(Kind::Secret, &object)?;
        manifest.secret_data = data;
        Ok(manifest)
    }

    /// The kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `metadata.namespace` (none for a Namespace).
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The object as JSON (`apiVersion`, `kind`, `metadata`, …; a Secret without its data).
    pub fn object(&self) -> &Value {
        &self.object
    }

    /// A Secret's keys and the sources of their values (empty for other kinds).
    pub fn secret_data(&self) -> &BTreeMap<String, SecretValue> {
        &self.secret_data
    }

    /// `Kind Namespace/name`, for messages and progress.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// The API path of the object.
    pub fn path(&self) -> String {
        self.kind.path(self.namespace.as_deref(), &self.name)
    }

    /// The object as YAML (a Secret without its values).
    pub fn to_yaml(&self) -> Result<String> {
        serde_saphyr::to_string(&self.object)
            .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot write {} as YAML: {e}", self.describe())))
    }

    /// The object to apply: the body, and for a Secret its values as base64 `data` (what the
    /// API stores, and what a server-side apply owns key by key; `stringData` is write-only,
    /// so an apply that sends it owns nothing and a removed key would stay). The values are
    /// the Secret's [`SecretValue`]s resolved against `existing` (the values the cluster's
    /// Secret has now, as text, which generated values keep), together with any `data` (kept
    /// as it is) and `stringData` (encoded) that the object was built with; `stringData` wins
    /// over `data` for a key in both, as in the API. Fails with `InvalidInput` when a value's
    /// environment variable is unset or the object's `data` / `stringData` is not a map of
    /// strings.
    pub fn resolved(&self, existing: &BTreeMap<String, String>) -> Result<Value> {
        Ok(self.resolved_with_values(existing)?.0)
    }

    /// [`resolved`](Self::resolved), and the Secret's values as text (every one the body
    /// carries, for cutting them out of error messages).
    pub(crate) fn resolved_with_values(
        &self,
        existing: &BTreeMap<String, String>,
    ) -> Result<(Value, Vec<SecretString>)> {
        let mut object = self.object.clone();
        let mut values = Vec::new();
        if self.kind != Kind::Secret {
            return Ok((object, values));
        }
        let Some(fields) = object.as_object_mut() else {
            return Err(Error::new(ErrorKind::Internal, format!("{} is not a JSON object", self.describe())));
        };
        let not_a_map = |field: &str| {
            Error::invalid_input(format!("{}: {field} must be a map of keys to string values", self.describe()))
        };
        let mut data = match fields.remove("data") {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(data)) => data,
            Some(_) => return Err(not_a_map("data")),
        };
        for value in data.values() {
            let text = value.as_str().ok_or_else(|| not_a_map("data"))?;
            // Only kept for redaction: a value that is not base64 is the server's to refuse.
            if let Some(decoded) = decode_base64(text) {
                values.push(SecretString::from(decoded));
            }
        }
        let mut plain: Vec<(String, SecretString)> = Vec::new();
        match fields.remove("stringData") {
            None | Some(Value::Null) => {}
            Some(Value::Object(string_data)) => {
                for (key, value) in string_data {
                    let text = value.as_str().ok_or_else(|| not_a_map("stringData"))?;
                    plain.push((key, SecretString::from(text.to_owned())));
                }
            }
            Some(_) => return Err(not_a_map("stringData")),
        }
        for (key, value) in &self.secret_data {
            plain.push((key.clone(), value.resolve(existing.get(key).map(String::as_str))?));
        }
        for (key, value) in plain {
            data.insert(key, encode_base64(value.expose_secret().as_bytes())?);
            values.push(value);
        }
        fields.insert("data".to_owned(), Value::Object(data));
        Ok((object, values))
    }
}

/// `bytes` as the API's base64 text (a JSON string), through k8s-openapi's `ByteString`.
fn encode_base64(bytes: &[u8]) -> Result<Value> {
    serde_json::to_value(k8s_openapi::ByteString(bytes.to_vec()))
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot encode a Secret value: {e}")))
}

/// The text that base64 `text` encodes, when it is base64 of UTF-8 text.
pub(crate) fn decode_base64(text: &str) -> Option<String> {
    let bytes = serde_json::from_value::<k8s_openapi::ByteString>(Value::String(text.to_owned())).ok()?;
    String::from_utf8(bytes.0).ok()
}

/// Manifests in apply order ([`Kind::APPLY_ORDER`], then by namespace and name), as one YAML
/// stream of `---`-separated documents.
pub fn to_yaml_stream(manifests: &[Manifest]) -> Result<String> {
    let mut out = String::new();
    for manifest in sorted(manifests) {
        out.push_str("---\n");
        out.push_str(&manifest.to_yaml()?);
    }
    Ok(out)
}

/// The manifests in apply order (stable: equal keys keep their order).
pub fn sorted(manifests: &[Manifest]) -> Vec<&Manifest> {
    let mut sorted: Vec<&Manifest> = manifests.iter().collect();
    sorted.sort_by_key(|m| (Kind::APPLY_ORDER.iter().position(|k| *k == m.kind), m.namespace.clone(), m.name.clone()));
    sorted
}

/// The SHA-256 (hex) of `parts`, each length-prefixed so that no two lists hash alike.
pub(crate) fn checksum<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part.as_bytes());
    }
    context.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_api_layout() {
        assert_eq!(Kind::ConfigMap.path(Some("ns"), "c"), "/api/v1/namespaces/ns/configmaps/c");
        assert_eq!(Kind::Namespace.path(None, "ns"), "/api/v1/namespaces/ns");
        assert_eq!(Kind::Deployment.path(Some("ns"), "d"), "/apis/apps/v1/namespaces/ns/deployments/d");
        assert_eq!(
            Kind::KubeBlocksCluster.path(Some("ns"), "db"),
            "/apis/apps.kubeblocks.io/v1/namespaces/ns/clusters/db"
        );
        assert_eq!(Kind::Ingress.group(), "networking.k8s.io");
        assert_eq!(Kind::Secret.group(), "");
    }

    #[test]
    fn secrets_render_their_sources_never_their_values() {
        let data = BTreeMap::from([
            ("given".to_owned(), SecretValue::Given(SecretString::from("hunter2"))),
            ("made".to_owned(), SecretValue::Generated { bytes: 16 }),
        ]);
        let secret = Manifest::secret("s", "ns", &BTreeMap::new(), data).unwrap();
        let yaml = secret.to_yaml().unwrap();
        assert!(!yaml.contains("hunter2") && !format!("{secret:?}").contains("hunter2"), "{yaml}");
        assert!(yaml.contains("given=given,made=generated"), "{yaml}");

        let kept = BTreeMap::from([("made".to_owned(), "abc".to_owned())]);
        let applied = secret.resolved(&kept).unwrap();
        assert!(applied.get("stringData").is_none(), "values go as base64 data: {applied}");
        assert_eq!(applied["data"]["given"], "aHVudGVyMg==", "hunter2");
        assert_eq!(applied["data"]["made"], "YWJj", "a generated value in the cluster is kept");
        let fresh = secret.resolved(&BTreeMap::new()).unwrap();
        assert_eq!(decode_base64(fresh["data"]["made"].as_str().unwrap()).unwrap().len(), 32);
    }

    #[test]
    fn a_wrapped_secret_keeps_its_own_data_and_string_data() {
        let object = json!({
            "metadata": {"name": "s", "namespace": "ns"},
            "data": {"a": "YQ==", "both": "b2xk"},
            "stringData": {"b": "plain", "both": "new"},
        });
        let secret = Manifest::new(Kind::Secret, &object).unwrap();
        let (applied, values) = secret.resolved_with_values(&BTreeMap::new()).unwrap();
        assert_eq!(applied["data"], json!({"a": "YQ==", "b": "cGxhaW4=", "both": "bmV3"}), "stringData wins");
        assert!(applied.get("stringData").is_none());
        let values: Vec<&str> = values.iter().map(|v| v.expose_secret()).collect();
        assert!(["a", "old", "plain", "new"].iter().all(|v| values.contains(v)), "{values:?}");

        let bad =
            Manifest::new(Kind::Secret, &json!({"metadata": {"name": "s", "namespace": "ns"}, "stringData": {"k": 1}}));
        let err = bad.unwrap().resolved(&BTreeMap::new()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        let map =
            Manifest::new(Kind::ConfigMap, &json!({"metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "v"}}));
        let map = map.unwrap();
        assert_eq!(&map.resolved(&BTreeMap::new()).unwrap(), map.object(), "other kinds as they are");
    }

    #[test]
    fn an_unset_variable_names_itself() {
        let data = BTreeMap::from([("k".to_owned(), SecretValue::FromEnv("TP_TEST_SURELY_UNSET_VAR".to_owned()))]);
        let secret = Manifest::secret("s", "ns", &BTreeMap::new(), data).unwrap();
        let err = secret.resolved(&BTreeMap::new()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        assert!(err.message().contains("TP_TEST_SURELY_UNSET_VAR"));
    }

    #[test]
    fn checksums_separate_their_parts() {
        assert_ne!(checksum(["ab", "c"]), checksum(["a", "bc"]));
        assert_eq!(checksum(["x"]).len(), 64);
    }
}
