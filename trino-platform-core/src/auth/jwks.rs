//! The provider's signing keys (JWKS), cached. A token naming a key the cache lacks makes the
//! cache fetch the set again, at most once per minimum interval (single flight: concurrent
//! misses wait for one fetch); an old set is fetched again on the next use.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::{AlgorithmFamily, DecodingKey};

use super::SigningAlgorithm;
use super::http;
use crate::error::{Error, ErrorKind, Result};

/// One usable signing key.
pub(crate) struct Key {
    pub(crate) family: AlgorithmFamily,
    /// The key's `alg`, when it names one: the only algorithm it may verify.
    pub(crate) alg: Option<jsonwebtoken::Algorithm>,
    pub(crate) decoding: DecodingKey,
}

/// A parsed key set: asymmetric signing keys only.
#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, Arc<Key>>,
    /// Keys without a `kid`.
    anonymous: Vec<Arc<Key>>,
}

impl KeySet {
    /// Parses a JWKS document, skipping keys that are not public signing keys (`use: enc`, `oct`
    /// secrets, unknown types or algorithms). Fails only when the document is not a key set.
    fn parse(body: &[u8]) -> std::result::Result<Self, String> {
        #[derive(serde::Deserialize)]
        struct Raw {
            keys: Vec<serde_json::Value>,
        }
        let raw: Raw = serde_json::from_slice(body).map_err(|e| format!("not a JWK set: {e}"))?;
        let mut set = KeySet::default();
        for value in raw.keys {
            let Ok(jwk) = serde_json::from_value::<Jwk>(value) else { continue };
            if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
                continue;
            }
            let family = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa,
                AlgorithmParameters::EllipticCurve(_) => AlgorithmFamily::Ec,
                AlgorithmParameters::OctetKeyPair(_) => AlgorithmFamily::Ed,
                // Symmetric (`oct`) keys are never used: HMAC is not accepted.
                _ => continue,
            };
            let alg = match jwk.common.key_algorithm {
                None => None,
                Some(key_alg) => match key_alg.to_string().parse::<jsonwebtoken::Algorithm>().ok() {
                    Some(alg) if SigningAlgorithm::from_jwt(alg).is_some() => Some(alg),
                    _ => continue, // an encryption or HMAC algorithm
                },
            };
            let Ok(decoding) = DecodingKey::from_jwk(&jwk) else { continue };
            let key = Arc::new(Key { family, alg, decoding });
            match jwk.common.key_id {
                Some(kid) => {
                    set.by_kid.insert(kid, key);
                }
                None => set.anonymous.push(key),
            }
        }
        Ok(set)
    }

    fn find(&self, kid: Option<&str>, family: AlgorithmFamily) -> Option<Arc<Key>> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            // A token without `kid` is accepted only when exactly one key could have signed it.
            None => {
                let mut candidates = self.by_kid.values().chain(self.anonymous.iter()).filter(|k| k.family == family);
                match (candidates.next(), candidates.next()) {
                    (Some(key), None) => Some(Arc::clone(key)),
                    _ => None,
                }
            }
        }
    }

    fn len(&self) -> usize {
        self.by_kid.len() + self.anonymous.len()
    }
}

/// The cached keys of one JWKS URI.
pub(crate) struct JwksCache {
    client: reqwest::Client,
    uri: String,
    min_refresh_interval: Duration,
    max_age: Duration,
    current: RwLock<Option<(Arc<KeySet>, Instant)>>,
    /// When the last fetch was attempted; held during a fetch (single flight).
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

impl JwksCache {
    pub(crate) fn new(client: reqwest::Client, uri: String, min_refresh_interval: Duration, max_age: Duration) -> Self {
        Self { client, uri, min_refresh_interval, max_age, current: RwLock::new(None), last_fetch: Default::default() }
    }

    fn snapshot(&self) -> Option<(Arc<KeySet>, Instant)> {
        self.current.read().ok().and_then(|guard| guard.as_ref().map(|(set, at)| (Arc::clone(set), *at)))
    }

    /// The key for a token's `kid` (and algorithm family). Fails with `Unauthorized` for a key
    /// the provider does not publish, `Unavailable`/`Timeout`/`Backend` when no key set could be
    /// fetched at all (or, rate-limited, when fetching the set for an unknown `kid` fails).
    pub(crate) async fn key(&self, kid: Option<&str>, family: AlgorithmFamily) -> Result<Arc<Key>> {
        match self.snapshot() {
            None => {
                let guard = self.last_fetch.lock().await;
                self.refresh(guard, None, Duration::from_secs(1)).await?;
            }
            Some((_, fetched)) if fetched.elapsed() >= self.max_age => {
                // Stale: fetch again unless a fetch is under way; keep the old set on failure.
                if let Ok(guard) = self.last_fetch.try_lock()
                    && let Err(e) = self.refresh(guard, Some(fetched), self.min_refresh_interval).await
                {
                    tracing::warn!(error = %e, "cannot refresh the JWKS; keeping the cached keys");
                }
            }
            Some((set, fetched)) => {
                if let Some(key) = set.find(kid, family) {
                    return Ok(key);
                }
                // Unknown key id: the provider may have rotated its keys.
                let guard = self.last_fetch.lock().await;
                self.refresh(guard, Some(fetched), self.min_refresh_interval).await?;
            }
        }
        self.snapshot().and_then(|(set, _)| set.find(kid, family)).ok_or_else(|| {
            Error::new(ErrorKind::Unauthorized, "the token is signed with a key the issuer does not publish")
        })
    }

    /// Fetches the set, holding `last` (single flight), unless another task fetched since the
    /// caller looked (`seen`), or the last attempt was less than `min_interval` ago (then: `Ok`
    /// when a set is cached, `Unavailable` when none is).
    async fn refresh(
        &self,
        mut last: tokio::sync::MutexGuard<'_, Option<Instant>>,
        seen: Option<Instant>,
        min_interval: Duration,
    ) -> Result<()> {
        let current = self.snapshot().map(|(_, at)| at);
        if current != seen {
            return Ok(());
        }
        if last.is_some_and(|at| at.elapsed() < min_interval) {
            return match current {
                Some(_) => Ok(()),
                None => Err(Error::new(
                    ErrorKind::Unavailable,
                    format!("the signing keys at {} could not be fetched; retry shortly", self.uri),
                )),
            };
        }
        *last = Some(Instant::now());
        let set = self.fetch().await?;
        tracing::debug!(keys = set.len(), uri = %self.uri, "fetched the JWKS");
        if let Ok(mut guard) = self.current.write() {
            *guard = Some((Arc::new(set), Instant::now()));
        }
        Ok(())
    }

    async fn fetch(&self) -> Result<KeySet> {
        let what = "fetching the issuer's signing keys (JWKS)";
        let response = self
            .client
            .get(&self.uri)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| http::transport_error(what, &self.uri, e))?;
        let status = response.status();
        if !status.is_success() {
            let kind = if status.is_server_error() { ErrorKind::Unavailable } else { ErrorKind::Backend };
            return Err(Error::new(kind, format!("{what}: {} answered HTTP {status}", self.uri)));
        }
        let body = response.bytes().await.map_err(|e| http::transport_error(what, &self.uri, e))?;
        KeySet::parse(&body).map_err(|e| Error::new(ErrorKind::Backend, format!("{what}: {}: {e}", self.uri)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    #[test]
    fn only_public_signing_keys_are_kept() {
        let jwks = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "sig", "use": "sig", "alg": "RS256", "n": RSA_N, "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "alg": "RSA-OAEP", "n": RSA_N, "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "alg": "HS256", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "rs-hs", "alg": "HS256", "n": RSA_N, "e": "AQAB"},
            {"kty": "ML-DSA", "kid": "future", "pub": "x"},
            {"kty": "RSA", "n": RSA_N, "e": "AQAB"},
        ]});
        let set = KeySet::parse(jwks.to_string().as_bytes()).unwrap();
        assert_eq!(set.by_kid.keys().collect::<Vec<_>>(), ["sig"]);
        assert_eq!(set.anonymous.len(), 1);
        assert!(set.find(Some("hmac"), AlgorithmFamily::Hmac).is_none());
        // Without kid: ambiguous between the two RSA keys.
        assert!(set.find(None, AlgorithmFamily::Rsa).is_none());
        assert!(KeySet::parse(b"{\"nokeys\": []}").is_err());
    }

    /// Serves `body` as JSON over plain HTTP on a loopback port, counting requests (a static
    /// JWKS document, as a provider publishes it).
    fn serve(body: String) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/certs", listener.local_addr().unwrap());
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, hits)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unknown_kids_refresh_at_most_once_per_interval() {
        let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "n": RSA_N, "e": "AQAB"}]});
        let (url, hits) = serve(jwks.to_string());
        let hits = move || hits.load(std::sync::atomic::Ordering::SeqCst);
        let client = http::client(Duration::from_secs(5), None).unwrap();
        let cache = Arc::new(JwksCache::new(client, url, Duration::from_millis(300), Duration::from_secs(600)));
        assert!(cache.key(Some("k1"), AlgorithmFamily::Rsa).await.is_ok());
        assert_eq!(hits(), 1);
        assert!(cache.key(Some("k1"), AlgorithmFamily::Rsa).await.is_ok());
        assert_eq!(hits(), 1, "served from the cache");

        // A burst of made-up kids right after a fetch: no new fetch, every one rejected.
        let burst: Vec<_> = (0..20)
            .map(|i| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.key(Some(&format!("made-up-{i}")), AlgorithmFamily::Rsa).await })
            })
            .collect();
        for task in burst {
            assert_eq!(task.await.unwrap().err().map(|e| e.kind()), Some(ErrorKind::Unauthorized));
        }
        assert_eq!(hits(), 1, "rate-limited");

        // After the interval, one unknown kid may fetch again: concurrent misses share one fetch.
        tokio::time::sleep(Duration::from_millis(350)).await;
        let burst: Vec<_> = (0..20)
            .map(|i| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.key(Some(&format!("other-{i}")), AlgorithmFamily::Rsa).await })
            })
            .collect();
        for task in burst {
            assert!(task.await.unwrap().is_err());
        }
        assert_eq!(hits(), 2, "one fetch for the whole burst");
    }
}
