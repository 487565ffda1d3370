//! OAuth2 pinning: Trino keeps OAuth2 login state in the memory of the coordinator that issued
//! the challenge, so every leg of the flow must reach that coordinator.
//!
//! - A `401` carries `WWW-Authenticate: Bearer x_redirect_server="…/oauth2/token/initiate/{hash}",
//!   x_token_server="…/oauth2/token/{authId}"`: [`challenge_ids`] takes both ids, which the router
//!   pins to the cluster (in memory and in the store).
//! - `/oauth2/token/initiate/{hash}` and `/oauth2/token/{authId}` carry their id in the path
//!   ([`leg_id`]).
//! - `/oauth2/callback` (the browser coming back from the identity provider) carries no id we
//!   know, so the response to the initiate leg sets a signed cookie naming the cluster
//!   ([`CookieSigner`]), scoped to `/oauth2`, and the callback is routed by it.

use std::time::Duration;

use ring::hmac;

use crate::cluster::ClusterName;
use crate::error::{Error, Result};

/// The cookie that pins a browser's OAuth2 callback to a cluster.
pub const COOKIE_NAME: &str = "trino_platform_oauth2";

/// The login ids in a `WWW-Authenticate` header value (`x_redirect_server`'s `{hash}` and
/// `x_token_server`'s `{authId}`); empty when it is no Trino OAuth2 challenge.
pub fn challenge_ids(www_authenticate: &str) -> Vec<String> {
    ["x_redirect_server", "x_token_server"]
        .iter()
        .filter_map(|param| {
            let start = www_authenticate.find(&format!("{param}=\""))? + param.len() + 2;
            let end = start + www_authenticate[start..].find('"')?;
            let url = &www_authenticate[start..end];
            let id = url.trim_end_matches('/').rsplit('/').next()?;
            (url.contains("/oauth2/token/") && is_login_id(id)).then(|| id.to_owned())
        })
        .collect()
}

/// The login id in the path of an OAuth2 leg: `/oauth2/token/initiate/{hash}` or
/// `/oauth2/token/{authId}`.
pub fn leg_id(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/oauth2/token/")?;
    let id = rest.strip_prefix("initiate/").unwrap_or(rest).trim_end_matches('/');
    is_login_id(id).then_some(id)
}

fn is_login_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 256
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Signs and verifies pin cookies (HMAC-SHA256). Every gateway replica must share the key.
pub struct CookieSigner {
    key: hmac::Key,
    lifetime: Duration,
}

impl std::fmt::Debug for CookieSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieSigner").field("key", &"***").field("lifetime", &self.lifetime).finish()
    }
}

impl CookieSigner {
    /// A signer with `secret` (at least 32 bytes). Fails with `InvalidInput` for a shorter secret.
    pub fn new(secret: &[u8], lifetime: Duration) -> Result<Self> {
        if secret.len() < 32 {
            return Err(Error::invalid_input("the OAuth2 cookie secret must be at least 32 bytes"));
        }
        Ok(Self { key: hmac::Key::new(hmac::HMAC_SHA256, secret), lifetime })
    }

    /// A signer with a random key: enough for one gateway process, not for replicas.
    pub fn random(lifetime: Duration) -> Result<Self> {
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &ring::rand::SystemRandom::new())
            .map_err(|_| Error::new(crate::ErrorKind::Internal, "no randomness for the OAuth2 cookie key"))?;
        Ok(Self { key, lifetime })
    }

    /// The `Set-Cookie` value pinning the browser's OAuth2 legs to `cluster`, valid from
    /// `now_secs` (Unix time) for the configured lifetime.
    pub fn set_cookie(&self, cluster: &ClusterName, now_secs: u64) -> String {
        let expires = now_secs + self.lifetime.as_secs();
        let payload = format!("{cluster}~{expires}");
        let tag = hex(hmac::sign(&self.key, payload.as_bytes()).as_ref());
        format!(
            "{COOKIE_NAME}={payload}~{tag}; Path=/oauth2; Max-Age={}; HttpOnly; Secure; SameSite=Lax",
            self.lifetime.as_secs()
        )
    }

    /// The cluster named by a valid, unexpired pin cookie in a `Cookie` header, if any.
    pub fn verify(&self, cookie_header: &str, now_secs: u64) -> Option<ClusterName> {
        let value = cookie_header
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find_map(|(name, value)| (name == COOKIE_NAME).then_some(value))?;
        let (payload, tag) = value.rsplit_once('~')?;
        let tag = unhex(tag)?;
        hmac::verify(&self.key, payload.as_bytes(), &tag).ok()?;
        let (cluster, expires) = payload.split_once('~')?;
        (expires.parse::<u64>().ok()? > now_secs).then(|| ClusterName::new(cluster).ok()).flatten()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_ids_come_from_both_servers() {
        let header = r#"Bearer x_redirect_server="https://gw.example.com/oauth2/token/initiate/3f9a7c", x_token_server="https://gw.example.com/oauth2/token/a1b2-c3d4""#;
        assert_eq!(challenge_ids(header), ["3f9a7c", "a1b2-c3d4"]);
        assert!(challenge_ids(r#"Basic realm="Trino""#).is_empty());
        assert!(challenge_ids(r#"Bearer x_token_server="https://x/other/path/id""#).is_empty());
    }

    #[test]
    fn leg_ids_come_from_paths() {
        assert_eq!(leg_id("/oauth2/token/initiate/3f9a7c"), Some("3f9a7c"));
        assert_eq!(leg_id("/oauth2/token/a1b2-c3d4"), Some("a1b2-c3d4"));
        assert_eq!(leg_id("/oauth2/callback"), None);
        assert_eq!(leg_id("/oauth2/token/../../etc"), None);
    }

    #[test]
    fn cookies_are_signed_scoped_and_expire() {
        let signer = CookieSigner::new(&[7; 32], Duration::from_secs(600)).unwrap();
        let cluster = ClusterName::new("trino-1").unwrap();
        let set = signer.set_cookie(&cluster, 1_000);
        assert!(set.contains("Path=/oauth2") && set.contains("HttpOnly") && set.contains("SameSite=Lax"));
        let value = set.split(';').next().unwrap();
        let header = format!("other=1; {value}");
        assert_eq!(signer.verify(&header, 1_500), Some(cluster.clone()));
        assert_eq!(signer.verify(&header, 1_600), None, "expired");
        let forged = header.replace("trino-1~", "trino-2~");
        assert_eq!(signer.verify(&forged, 1_500), None, "tampered");
        let other = CookieSigner::new(&[8; 32], Duration::from_secs(600)).unwrap();
        assert_eq!(other.verify(&header, 1_500), None, "other key");
        assert!(CookieSigner::new(b"short", Duration::from_secs(1)).is_err());
        assert!(!format!("{signer:?}").contains('7'));
    }
}
