//! [`Kubernetes`]: the connection to a Kubernetes API server, the requests the library makes
//! (get, list, server-side apply, delete) with retries of transient failures, and the mapping
//! of every failure to an [`ErrorKind`].

use std::time::Duration;

use kube::core::params::{DeleteParams, GetParams, ListParams, Patch, PatchParams, Preconditions};
use kube::core::{Request, Status};
use serde_json::Value;

use super::manifest::{FIELD_MANAGER, Kind};
use crate::error::{Error, ErrorKind, Result};

/// How [`Kubernetes`] retries and polls. The defaults suit a real cluster; tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeOptions {
    /// How many times one request is tried when it fails with a transient error (connection
    /// failure, `429`, `5xx`, a server-side timeout); at least 1 (default 4).
    pub attempts: u32,
    /// The wait before the first retry (default 500 ms); it doubles per retry, up to 10 s.
    pub backoff: Duration,
    /// How often [`Kubernetes::wait_ready`] reads the objects it waits for (default 2 s).
    pub poll_interval: Duration,
}

impl Default for KubeOptions {
    fn default() -> Self {
        Self { attempts: 4, backoff: Duration::from_millis(500), poll_interval: Duration::from_secs(2) }
    }
}

/// The longest wait between two attempts of a request.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// A Kubernetes API server, reached through kube-rs: plans, applies (server-side, field
/// manager `trino-platform`), waits for and deletes [`Manifest`](super::Manifest)s.
#[derive(Clone)]
pub struct Kubernetes {
    client: kube::Client,
    options: KubeOptions,
}

impl std::fmt::Debug for Kubernetes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kubernetes")
            .field("default_namespace", &self.client.default_namespace())
            .field("options", &self.options)
            .finish()
    }
}

impl Kubernetes {
    /// Connects as `kubectl` would: the kubeconfig (`KUBECONFIG`, else `~/.kube/config`, its
    /// current context), else the pod's service account (in-cluster); then asks the server
    /// for its version, so that a server that cannot be reached or refuses the credentials
    /// fails here.
    ///
    /// Fails with `InvalidInput` when there is no usable configuration (no kubeconfig, not in
    /// a pod, a kubeconfig that does not parse), `Unavailable` when the server cannot be
    /// reached, `Unauthorized` / `Forbidden` when it refuses the credentials, `Timeout` when
    /// it does not answer in time.
    pub async fn connect() -> Result<Self> {
        let client = kube::Client::try_default().await.map_err(|e| to_error(e, "connecting to Kubernetes", &[]))?;
        Self::checked(client).await
    }

    /// Connects as [`connect`](Self::connect) does, through the kubeconfig file at `path` and
    /// its context `context` (default: its current context), whatever `KUBECONFIG` says. Fails
    /// with `InvalidInput` when the file cannot be read or parsed or has no such context, and
    /// as `connect` does.
    pub async fn from_kubeconfig(path: &std::path::Path, context: Option<&str>) -> Result<Self> {
        let kubeconfig = kube::config::Kubeconfig::read_from(path).map_err(|e| {
            Error::invalid_input(format!("cannot read the kubeconfig {}: {e}", path.display())).with_source(e)
        })?;
        let options = kube::config::KubeConfigOptions { context: context.map(str::to_owned), ..Default::default() };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|e| {
            Error::invalid_input(format!("cannot use the kubeconfig {}: {e}", path.display())).with_source(e)
        })?;
        let client = kube::Client::try_from(config).map_err(|e| to_error(e, "connecting to Kubernetes", &[]))?;
        Self::checked(client).await
    }

    /// `client`, once the server has told its version.
    async fn checked(client: kube::Client) -> Result<Self> {
        let kubernetes = Self::from_client(client);
        kubernetes
            .retrying(|| async { kubernetes.client.apiserver_version().await })
            .await
            .map_err(|e| to_error(e, "reading the Kubernetes API server's version", &[]))?;
        Ok(kubernetes)
    }

    /// Uses `client` as it is (no request is made): a client built from a custom
    /// `kube::Config`, or one over any `tower::Service`.
    pub fn from_client(client: kube::Client) -> Self {
        Self { client, options: KubeOptions::default() }
    }

    /// The same connection with these retry and polling options.
    pub fn with_options(mut self, options: KubeOptions) -> Self {
        self.options = options;
        self
    }

    /// The retry and polling options.
    pub fn options(&self) -> &KubeOptions {
        &self.options
    }

    /// The kube-rs client, for requests the library does not make.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// The object, or `None` when it does not exist. A `404` that is not about the object
    /// (the API server does not serve the kind, for example KubeBlocks is not installed)
    /// stays an error.
    pub(crate) async fn read(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> std::result::Result<Option<Value>, kube::Error> {
        let request = Request::new(collection_path(kind, namespace));
        let answer = self
            .retrying(|| async {
                let http = request.get(name, &GetParams::default()).map_err(kube::Error::BuildRequest)?;
                self.client.request::<Value>(http).await
            })
            .await;
        match answer {
            Ok(object) => Ok(Some(object)),
            Err(kube::Error::Api(status)) if is_missing_object(&status, name) => Ok(None),
            Err(kube::Error::Api(status)) if status.code == 404 => {
                Err(kube::Error::Api(not_served(kind, *status).boxed()))
            }
            Err(err) => Err(err),
        }
    }

    /// The objects of `kind` in `namespace` (the `items` of the API's `{Kind}List`, which
    /// carry neither `apiVersion` nor `kind`), or `None` when the server does not serve the
    /// kind (a `404` on the collection: KubeBlocks is not installed, for example).
    pub(crate) async fn list(
        &self,
        kind: Kind,
        namespace: Option<&str>,
    ) -> std::result::Result<Option<Vec<Value>>, kube::Error> {
        let request = Request::new(collection_path(kind, namespace));
        let answer = self
            .retrying(|| async {
                let http = request.list(&ListParams::default()).map_err(kube::Error::BuildRequest)?;
                self.client.request::<ObjectList>(http).await
            })
            .await;
        match answer {
            Ok(list) => Ok(Some(list.items)),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// A server-side apply of `object` (force, field manager `trino-platform`), or its dry
    /// run (`dryRun=All`: validated, defaulted and merged by the server, not stored). Returns
    /// the object as the server has (would have) it.
    pub(crate) async fn server_side_apply(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
        object: &Value,
        dry_run: bool,
    ) -> std::result::Result<Value, kube::Error> {
        let request = Request::new(collection_path(kind, namespace));
        let mut params = PatchParams::apply(FIELD_MANAGER).force();
        params.dry_run = dry_run;
        self.retrying(|| async {
            let http = request.patch(name, &params, &Patch::Apply(object)).map_err(kube::Error::BuildRequest)?;
            self.client.request::<Value>(http).await
        })
        .await
    }

    /// Deletes the object with uid `uid` (a precondition: an object that was replaced since
    /// it was read is not deleted), with background propagation. Returns the object when the
    /// server answers with it (it is being finalized, or the kind returns deleted objects),
    /// `None` when it answers with a `Status`; `Err` with a `404` when it is gone already.
    pub(crate) async fn delete_object(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
        uid: Option<&str>,
    ) -> std::result::Result<Option<Value>, kube::Error> {
        let request = Request::new(collection_path(kind, namespace));
        let mut params = DeleteParams::background();
        params.preconditions = uid.map(|uid| Preconditions { uid: Some(uid.to_owned()), resource_version: None });
        let answer = self
            .retrying(|| async {
                let http = request.delete(name, &params).map_err(kube::Error::BuildRequest)?;
                self.client.request::<Value>(http).await
            })
            .await?;
        Ok((answer["kind"] != "Status").then_some(answer))
    }

    /// Runs `call` until it succeeds, fails with an error that is not transient, or has been
    /// tried [`KubeOptions::attempts`] times.
    pub(crate) async fn retrying<T, F, Fut>(&self, mut call: F) -> std::result::Result<T, kube::Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, kube::Error>>,
    {
        let mut backoff = self.options.backoff;
        let mut attempt = 1;
        loop {
            match call().await {
                Err(err) if attempt < self.options.attempts && is_transient(&err) => {
                    let wait = match &err {
                        kube::Error::Api(status) => status
                            .details
                            .as_ref()
                            .map(|d| Duration::from_secs(d.retry_after_seconds.into()))
                            .map_or(backoff, |after| after.max(backoff)),
                        _ => backoff,
                    };
                    tracing::debug!(attempt, kind = %kind_of(&err), "transient Kubernetes API failure; retrying");
                    tokio::time::sleep(wait.min(MAX_BACKOFF)).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    attempt += 1;
                }
                answer => return answer,
            }
        }
    }
}

/// The part of a `{Kind}List` the library reads.
#[derive(serde::Deserialize)]
struct ObjectList {
    /// The objects (`null` or absent when there are none).
    #[serde(default, deserialize_with = "null_as_empty")]
    items: Vec<Value>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Vec<Value>, D::Error> {
    Ok(<Option<Vec<Value>> as serde::Deserialize>::deserialize(deserializer)?.unwrap_or_default())
}

/// The API path of the collection of `kind` in `namespace` (`/api/v1/namespaces/ns/configmaps`).
fn collection_path(kind: Kind, namespace: Option<&str>) -> String {
    kind.path(namespace, "").trim_end_matches('/').to_owned()
}

/// Whether a `404` is about the object `name` (the API's `NotFound` names it in its
/// details), rather than about the path (a kind the server does not serve).
fn is_missing_object(status: &Status, name: &str) -> bool {
    status.code == 404 && status.details.as_ref().is_some_and(|d| d.name == name)
}

/// The `404` of a path the server does not serve, saying which kind that is.
fn not_served(kind: Kind, status: Status) -> Status {
    let hint = match kind {
        Kind::KubeBlocksCluster => " (install KubeBlocks 1.0 or later: its CRDs define it)",
        _ => "",
    };
    let message = format!("the API server does not serve {} {}{hint}", kind.api_version(), kind.plural());
    let rewritten = serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": "NotFound", "code": 404,
    });
    serde_json::from_value(rewritten).unwrap_or(status)
}

/// Whether the failure may pass if the request is sent again.
pub(crate) fn is_transient(err: &kube::Error) -> bool {
    matches!(kind_of(err), ErrorKind::Unavailable | ErrorKind::Timeout)
}

/// The kind of a kube-rs failure.
fn kind_of(err: &kube::Error) -> ErrorKind {
    match err {
        kube::Error::Api(status) => match (status.code, status.reason.as_str()) {
            (_, "Timeout" | "ServerTimeout") | (408 | 504, _) => ErrorKind::Timeout,
            (401, _) => ErrorKind::Unauthorized,
            (403, _) => ErrorKind::Forbidden,
            (404 | 410, _) => ErrorKind::NotFound,
            (409, _) => ErrorKind::Conflict,
            (400 | 422, _) => ErrorKind::InvalidInput,
            (429 | 500..=599, _) => ErrorKind::Unavailable,
            _ => ErrorKind::Backend,
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            if timed_out(err) {
                ErrorKind::Timeout
            } else {
                ErrorKind::Unavailable
            }
        }
        kube::Error::Auth(_) => ErrorKind::Unauthorized,
        kube::Error::InferConfig(_)
        | kube::Error::InferKubeconfig(_)
        | kube::Error::RustlsTls(_)
        | kube::Error::TlsRequired
        | kube::Error::ProxyProtocolUnsupported { .. }
        | kube::Error::ProxyProtocolDisabled { .. }
        | kube::Error::BuildRequest(_)
        | kube::Error::HttpError(_) => ErrorKind::InvalidInput,
        kube::Error::SerdeError(_) | kube::Error::FromUtf8(_) => ErrorKind::Backend,
        _ => ErrorKind::Backend,
    }
}

/// Whether an I/O timeout is among the causes (the client's connect or read timeout).
fn timed_out(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        if current.to_string().to_ascii_lowercase().contains("timed out") {
            return true;
        }
        cause = current.source();
    }
    false
}

/// The failure of `doing` (`server-side apply of ConfigMap ns/x`) as an [`Error`] of the
/// right kind. `secrets` are values that must not appear (a Secret's values): any occurrence
/// in the API's message is replaced by `***`. The API's own errors carry no source (their
/// message is all they say, and is already here, redacted); an authentication failure says
/// only that it failed, since a credential plugin's output may hold a token.
pub(crate) fn to_error(err: kube::Error, doing: &str, secrets: &[&str]) -> Error {
    let kind = kind_of(&err);
    match err {
        kube::Error::Api(status) => {
            let reason = match status.reason.as_str() {
                "" | "Failed to parse error data" => String::new(),
                reason => format!(" {reason}"),
            };
            let hint = match kind {
                ErrorKind::Unauthorized => " (check the kubeconfig's credentials, or the pod's service account token)",
                ErrorKind::Forbidden => " (the account needs RBAC permission to get, patch and delete these objects)",
                ErrorKind::Unavailable | ErrorKind::Timeout => " (retrying may help)",
                _ => "",
            };
            let message = redact(&status.message, secrets);
            let message = if message.is_empty() { String::new() } else { format!(": {message}") };
            Error::new(kind, format!("{doing}: the Kubernetes API answered {}{reason}{message}{hint}", status.code))
        }
        kube::Error::Auth(_) => Error::new(
            kind,
            format!(
                "{doing}: authentication to the Kubernetes API failed (check the kubeconfig's user: its token, exec plugin or client certificate)"
            ),
        ),
        kube::Error::InferConfig(_) | kube::Error::InferKubeconfig(_) => {
            let text = redact(&chain(&err), secrets);
            Error::new(
                kind,
                format!(
                    "{doing}: no usable Kubernetes configuration: {text} (set KUBECONFIG or ~/.kube/config, or run in a pod with a service account)"
                ),
            )
            .with_source(err)
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            let text = redact(&chain(&err), secrets);
            let what = if kind == ErrorKind::Timeout { "timed out" } else { "cannot reach the Kubernetes API" };
            Error::new(kind, format!("{doing}: {what}: {text} (retrying may help)")).with_source(err)
        }
        other => {
            let text = redact(&chain(&other), secrets);
            Error::new(kind, format!("{doing}: {text}")).with_source(other)
        }
    }
}

/// The error and its causes on one line.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(current) = cause {
        let line = current.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = current.source();
    }
    text
}

/// `text` with every occurrence of a secret value replaced by `***`.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "***");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str, message: &str) -> kube::Error {
        let status = serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "details": {"name": "x"}, "code": code,
        });
        kube::Error::Api(serde_json::from_value::<Status>(status).unwrap().boxed())
    }

    #[test]
    fn api_statuses_map_to_kinds() {
        for (code, reason, kind) in [
            (401, "Unauthorized", ErrorKind::Unauthorized),
            (403, "Forbidden", ErrorKind::Forbidden),
            (404, "NotFound", ErrorKind::NotFound),
            (409, "Conflict", ErrorKind::Conflict),
            (400, "BadRequest", ErrorKind::InvalidInput),
            (422, "Invalid", ErrorKind::InvalidInput),
            (429, "TooManyRequests", ErrorKind::Unavailable),
            (500, "InternalError", ErrorKind::Unavailable),
            (503, "ServiceUnavailable", ErrorKind::Unavailable),
            (504, "Timeout", ErrorKind::Timeout),
            (500, "ServerTimeout", ErrorKind::Timeout),
            (418, "", ErrorKind::Backend),
        ] {
            assert_eq!(kind_of(&api(code, reason, "m")), kind, "{code} {reason}");
        }
    }

    #[test]
    fn secrets_are_cut_from_api_messages() {
        let err =
            to_error(api(422, "Invalid", "data[k]: Invalid value: \"hunter2\""), "applying Secret ns/s", &["hunter2"]);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(!err.message().contains("hunter2") && err.message().contains("***"), "{}", err.message());
        assert!(std::error::Error::source(&err).is_none());
    }

    #[test]
    fn collection_paths_drop_the_name() {
        assert_eq!(collection_path(Kind::ConfigMap, Some("ns")), "/api/v1/namespaces/ns/configmaps");
        assert_eq!(collection_path(Kind::Namespace, None), "/api/v1/namespaces");
        assert_eq!(
            collection_path(Kind::KubeBlocksCluster, Some("ns")),
            "/apis/apps.kubeblocks.io/v1/namespaces/ns/clusters"
        );
    }
}
