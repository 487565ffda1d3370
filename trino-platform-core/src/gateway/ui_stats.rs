//! Queued and running counts of a cluster, read where Trino serves them: the Web UI's
//! `GET /ui/api/stats` (`{"runningQueries", "queuedQueries", "blockedQueries", …}`), which
//! needs a UI session. Trino has no `/v1/cluster`.
//!
//! The session is Trino's form login: `POST /ui/login` with `username`, `password` and
//! `redirectPath` (form-encoded) answers `303` with `Set-Cookie: Trino-UI-Token=…` when the login
//! is accepted, and `303` to the login page without a cookie when it is not. The token is kept per
//! cluster URL and sent as a cookie; a `401` from `/ui/api/stats` (expired or revoked token) logs
//! in again once. A Web UI with no authentication of its own (`web-ui.authentication.type=fixed`)
//! answers `/ui/api/stats` without a cookie, and then no login happens at all. trino-gateway's
//! `UI_API` monitor and trino-lb read the counts the same way.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Body;
use http::header::{self, HeaderValue};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use secrecy::{ExposeSecret, SecretString};

use super::proxy::HttpClient;
use crate::cluster::Cluster;
use crate::error::{Error, ErrorKind, Result};

/// The cookie that carries a Trino Web UI session.
const TOKEN_COOKIE: &str = "Trino-UI-Token";

/// Largest `/ui/api/stats` document read.
const MAX_BODY: usize = 64 * 1024;

/// Queries waiting and running on a cluster, as its Web UI reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// `queuedQueries`.
    pub(crate) queued: u64,
    /// `runningQueries` + `blockedQueries`: Trino reports a running query whose drivers all
    /// wait (on its client or an exchange) as blocked, and it is running all the same.
    pub(crate) running: u64,
}

/// Reads [`Counts`] from the clusters' Web UIs, keeping one UI session per cluster URL.
pub(crate) struct UiStats {
    client: HttpClient,
    user: String,
    password: Option<SecretString>,
    /// UI tokens by cluster URL (`proxyTo`), so a token never goes to another server.
    tokens: Mutex<HashMap<String, SecretString>>,
    /// Whether the last read of each cluster (by name) worked, to log changes only.
    last_ok: Mutex<HashMap<String, bool>>,
}

/// What one `/ui/api/stats` request found.
enum Answer {
    Counts(Counts),
    /// 401: no session, or an expired one.
    LoginNeeded,
}

impl UiStats {
    /// A reader that logs in as `user` (with `password`, or an empty one).
    pub(crate) fn new(client: HttpClient, user: String, password: Option<SecretString>) -> Self {
        Self { client, user, password, tokens: Mutex::default(), last_ok: Mutex::default() }
    }

    /// The counts of `cluster`: with the kept session, else after a (re)login. Fails with
    /// `Unauthorized` when the Web UI refuses the login, `Unavailable` when it cannot be reached
    /// or serves no such API, `Backend` for an answer that is not the stats document.
    pub(crate) async fn counts(&self, cluster: &Cluster) -> Result<Counts> {
        let url = cluster.proxy_to.as_str().trim_end_matches('/').to_owned();
        let kept = self.tokens.lock().unwrap_or_else(|p| p.into_inner()).get(&url).cloned();
        if let Answer::Counts(counts) = self.fetch(&url, kept.as_ref()).await? {
            return Ok(counts);
        }
        if kept.is_some() {
            self.tokens.lock().unwrap_or_else(|p| p.into_inner()).remove(&url);
        }
        let token = self.login(&url).await?;
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).insert(url.clone(), token.clone());
        match self.fetch(&url, Some(&token)).await? {
            Answer::Counts(counts) => Ok(counts),
            Answer::LoginNeeded => {
                Err(Error::new(ErrorKind::Unauthorized, "the Web UI refused the session it had just opened"))
            }
        }
    }

    /// Logs the outcome of a read of `cluster` when it differs from the previous one (a
    /// failure as a warning: the counts count as 0 until reads work again).
    pub(crate) fn note(&self, cluster: &Cluster, outcome: std::result::Result<(), &Error>) {
        let ok = outcome.is_ok();
        let before = self.last_ok.lock().unwrap_or_else(|p| p.into_inner()).insert(cluster.name.to_string(), ok);
        match outcome {
            Err(e) if before != Some(false) => tracing::warn!(
                cluster = %cluster.name, error = %e,
                "no queued/running counts from the cluster's Web UI (/ui/api/stats); they count as 0"
            ),
            Ok(()) if before == Some(false) => {
                tracing::info!(cluster = %cluster.name, "queued/running counts read from the Web UI again");
            }
            _ => {}
        }
    }

    /// Forgets the sessions and log state of clusters that are no longer registered.
    pub(crate) fn retain(&self, clusters: &[&Cluster]) {
        let urls: Vec<&str> = clusters.iter().map(|c| c.proxy_to.as_str().trim_end_matches('/')).collect();
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).retain(|url, _| urls.contains(&url.as_str()));
        self.last_ok
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|name, _| clusters.iter().any(|c| c.name.as_str() == name));
    }

    /// `GET /ui/api/stats`, with the session cookie when there is one.
    async fn fetch(&self, url: &str, token: Option<&SecretString>) -> Result<Answer> {
        let mut request = Request::get(format!("{url}/ui/api/stats"));
        if let Some(token) = token {
            let mut cookie = HeaderValue::try_from(format!("{TOKEN_COOKIE}={}", token.expose_secret()))
                .map_err(|_| Error::new(ErrorKind::Backend, "the Web UI issued a token that is no cookie value"))?;
            cookie.set_sensitive(true);
            request = request.header(header::COOKIE, cookie);
        }
        let request = request.body(Body::empty()).map_err(|e| internal(&e))?;
        let response = self.client.request(request).await.map_err(|e| unreachable("/ui/api/stats", &e))?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER => return Ok(Answer::LoginNeeded),
            status => return Err(unexpected("/ui/api/stats", status)),
        }
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| Error::new(ErrorKind::Unavailable, format!("cannot read /ui/api/stats: {e}")))?
            .to_bytes();
        let stats: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| Error::new(ErrorKind::Backend, format!("/ui/api/stats is not JSON: {e}")))?;
        let count = |key: &str| stats.get(key).and_then(serde_json::Value::as_u64);
        let (Some(queued), Some(running)) = (count("queuedQueries"), count("runningQueries")) else {
            return Err(Error::new(ErrorKind::Backend, "/ui/api/stats has no queuedQueries and runningQueries"));
        };
        Ok(Answer::Counts(Counts { queued, running: running.saturating_add(count("blockedQueries").unwrap_or(0)) }))
    }

    /// The form login; returns the token of the new session.
    async fn login(&self, url: &str) -> Result<SecretString> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("username", &self.user)
            .append_pair("password", self.password.as_ref().map_or("", |p| p.expose_secret()))
            .append_pair("redirectPath", "")
            .finish();
        let request = Request::post(format!("{url}/ui/login"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .map_err(|e| internal(&e))?;
        let response = self.client.request(request).await.map_err(|e| unreachable("/ui/login", &e))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Err(Error::new(
                ErrorKind::Unavailable,
                "the cluster serves no Web UI login (/ui/login answered 404: Web UI disabled?)",
            ));
        }
        if !status.is_redirection() {
            return Err(unexpected("/ui/login", status));
        }
        let token = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|value| {
                let (name, rest) = value.split_once('=')?;
                (name.trim() == TOKEN_COOKIE).then(|| rest.split(';').next().unwrap_or_default().trim().to_owned())
            })
            .filter(|token| !token.is_empty());
        token.map(SecretString::from).ok_or_else(|| {
            Error::new(
                ErrorKind::Unauthorized,
                format!(
                    "the Web UI refused the login of user {:?} (set health.user and health.password, or \
                     give that user access to the Web UI)",
                    self.user
                ),
            )
        })
    }
}

fn internal(error: &http::Error) -> Error {
    Error::new(ErrorKind::Internal, format!("cannot build a Web UI request: {error}"))
}

fn unreachable(path: &str, error: &hyper_util::client::legacy::Error) -> Error {
    Error::new(ErrorKind::Unavailable, format!("{path} did not answer: {error}"))
}

fn unexpected(path: &str, status: StatusCode) -> Error {
    Error::new(ErrorKind::Backend, format!("{path} answered {status}"))
}
