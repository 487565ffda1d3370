//! Listeners: accept loops for HTTP and HTTPS (rustls with ring, certificate reloaded when its
//! files change), HTTP/1.1 and HTTP/2, graceful shutdown that lets in-flight requests finish.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::proxy::Connection;
use crate::error::{Error, ErrorKind, Result};

/// How long shutdown waits for in-flight requests before closing their connections.
const GRACE: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `stop` fires. Then the listener closes (new connections are
/// refused), idle connections close, and requests in flight may finish for up to [`GRACE`]; the
/// connections still open after that are closed.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: axum::Router,
    max_header_bytes: usize,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().max_buf_size(max_header_bytes.max(8192)).timer(hyper_util::rt::TokioTimer::new());
    builder.http1().header_read_timeout(Duration::from_secs(30));
    let mut connections = JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue, // reap closed ones
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(local) = stream.local_addr() else { continue };
        let connection = Connection { peer, local, tls: tls.is_some() };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(connection);
            app.clone().oneshot(request.map(Body::new))
        });
        let builder = builder.clone();
        match &tls {
            None => {
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                connections.spawn(async move {
                    let _ = conn.await;
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let watcher = graceful.watcher();
                connections.spawn(async move {
                    let stream = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => stream,
                        _ => return,
                    };
                    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
                    let _ = watcher.watch(conn).await;
                });
            }
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(GRACE) => tracing::warn!("shutdown grace period over; closing the remaining connections"),
    }
    connections.shutdown().await;
}

/// A certificate resolver that serves the current key pair and reloads it when the PEM files
/// change (checked every few seconds; a bad new pair is logged and the old one kept).
#[derive(Debug)]
pub(crate) struct ReloadingCert {
    certificate: PathBuf,
    private_key: PathBuf,
    current: RwLock<(Arc<CertifiedKey>, Option<SystemTime>)>,
}

impl ReloadingCert {
    /// Loads the pair; fails with `InvalidInput` when the files are missing or not a valid pair.
    pub(crate) fn new(certificate: &Path, private_key: &Path) -> Result<Arc<Self>> {
        let key = load_pair(certificate, private_key)?;
        Ok(Arc::new(Self {
            certificate: certificate.to_owned(),
            private_key: private_key.to_owned(),
            current: RwLock::new((key, modified(certificate, private_key))),
        }))
    }

    /// A TLS acceptor using this resolver (HTTP/2 and HTTP/1.1 by ALPN).
    pub(crate) fn acceptor(self: &Arc<Self>) -> Result<tokio_rustls::TlsAcceptor> {
        let mut config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| Error::new(ErrorKind::Internal, format!("TLS setup: {e}")))?
                .with_no_client_auth()
                .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }

    /// Reloads the pair if either file changed since the last load.
    pub(crate) fn reload_if_changed(&self) {
        let now = modified(&self.certificate, &self.private_key);
        if now == self.current.read().unwrap_or_else(|p| p.into_inner()).1 {
            return;
        }
        match load_pair(&self.certificate, &self.private_key) {
            Ok(key) => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = (key, now);
                tracing::info!(certificate = %self.certificate.display(), "reloaded the TLS certificate");
            }
            Err(e) => tracing::warn!(error = %e, "keeping the current TLS certificate"),
        }
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()).0))
    }
}

fn modified(certificate: &Path, private_key: &Path) -> Option<SystemTime> {
    let time = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    time(certificate).max(time(private_key))
}

fn load_pair(certificate: &Path, private_key: &Path) -> Result<Arc<CertifiedKey>> {
    let bad = |what: &Path, e: &dyn std::fmt::Display| {
        Error::invalid_input(format!("TLS: cannot load {}: {e}", what.display()))
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .map_err(|e| bad(certificate, &e))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| bad(certificate, &e))?;
    if chain.is_empty() {
        return Err(bad(certificate, &"no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(private_key).map_err(|e| bad(private_key, &e))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| bad(private_key, &e))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|e| bad(private_key, &format!("does not match the certificate ({e})")))?;
    Ok(Arc::new(certified))
}
