//! A throw-away realm per test on the harness's Keycloak (`TP_TEST_KEYCLOAK_URL`,
//! `TP_TEST_KEYCLOAK_ADMIN_USER`, `TP_TEST_KEYCLOAK_ADMIN_PASSWORD` from `scripts/services`).
//! A test fails when they are missing, unless `TP_SKIP_SERVICES` names `keycloak`.
//!
//! Checks go through Keycloak's own Admin REST API with plain HTTP calls ([`TestRealm::raw`]),
//! independent of the `KeycloakAdmin` under test.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;
use trino_platform::keycloak::{AdminCredentials, KeycloakAdmin, KeycloakConnection, RealmSpec};

use super::service_var;

/// The harness's Keycloak.
#[derive(Clone)]
pub struct Keycloak {
    pub url: String,
    pub admin_user: String,
    pub admin_password: String,
}

/// The harness's Keycloak, or `None` when the run skips it.
pub fn keycloak() -> Option<Keycloak> {
    let url = service_var("TP_TEST_KEYCLOAK_URL", "keycloak")?;
    let admin_user = service_var("TP_TEST_KEYCLOAK_ADMIN_USER", "keycloak")?;
    let admin_password = service_var("TP_TEST_KEYCLOAK_ADMIN_PASSWORD", "keycloak")?;
    Some(Keycloak { url: url.trim_end_matches('/').to_owned(), admin_user, admin_password })
}

/// A plain HTTP client for checks (rustls with ring).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

impl Keycloak {
    pub fn connection(&self) -> KeycloakConnection {
        KeycloakConnection::new(&self.url, AdminCredentials::password(&self.admin_user, &self.admin_password))
    }

    pub async fn admin(&self) -> KeycloakAdmin {
        KeycloakAdmin::connect(self.connection()).await.expect("log in to the harness's Keycloak")
    }

    /// A master-realm admin token, fetched with a plain password grant.
    pub async fn admin_token(&self) -> String {
        let response = http()
            .post(format!("{}/realms/master/protocol/openid-connect/token", self.url))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "admin-cli"),
                ("username", &self.admin_user),
                ("password", &self.admin_password),
            ])
            .send()
            .await
            .expect("token request");
        let json: Value = response.json().await.expect("token JSON");
        json["access_token"].as_str().expect("access_token").to_owned()
    }
}

/// A realm that exists for one test; deleted by [`TestRealm::delete`] or, failing that, on drop.
pub struct TestRealm {
    pub name: String,
    pub kc: Keycloak,
    deleted: bool,
}

/// A realm name no other test uses.
pub fn realm_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}-{}-{}-{nanos:x}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

impl TestRealm {
    /// A name for a realm the test creates itself (deleted at the end all the same).
    pub fn reserve(kc: &Keycloak, prefix: &str) -> TestRealm {
        TestRealm { name: realm_name(prefix), kc: kc.clone(), deleted: false }
    }

    /// A new, empty realm.
    pub async fn create(kc: &Keycloak, prefix: &str) -> TestRealm {
        let realm = Self::reserve(kc, prefix);
        assert!(kc.admin().await.ensure_realm(&RealmSpec::new(&realm.name)).await.expect("create realm"));
        realm
    }

    /// The realm's issuer.
    pub fn issuer(&self) -> String {
        format!("{}/realms/{}", self.kc.url, self.name)
    }

    /// `method` on `{kc}/admin/realms/{realm}{path}` with a fresh admin token: status and JSON
    /// body (`Null` when empty).
    pub async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let token = self.kc.admin_token().await;
        let url = format!("{}/admin/realms/{}{path}", self.kc.url, self.name);
        let mut request =
            http().request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin request");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("admin body");
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Posts `form` to the realm's token endpoint: status and JSON body.
    pub async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let response = http()
            .post(format!("{}/protocol/openid-connect/token", self.issuer()))
            .form(form)
            .send()
            .await
            .expect("token request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Deletes the realm.
    pub async fn delete(mut self) {
        self.deleted = true;
        let (status, _) = self.raw("DELETE", "", None).await;
        assert!(matches!(status, 204 | 404), "deleting realm {}: HTTP {status}", self.name);
    }
}

impl Drop for TestRealm {
    fn drop(&mut self) {
        if self.deleted {
            return;
        }
        // A test failed before its cleanup: delete the realm on a thread of its own.
        let (kc, name) = (self.kc.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async move {
                let token = kc.admin_token().await;
                let _ = http().delete(format!("{}/admin/realms/{name}", kc.url)).bearer_auth(token).send().await;
            });
        })
        .join();
    }
}
