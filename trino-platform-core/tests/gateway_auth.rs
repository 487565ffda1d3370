//! Gateway authentication against the real Keycloak of the harness, in front of the Trino
//! protocol fixture (`support/trino.rs`): tokens Keycloak issues (password grant for a user,
//! client credentials for a service account) reach the backend as their principal, with the
//! token forwarded; tampered, expired, not-yet-valid, wrong-issuer, wrong-audience, `alg: none`,
//! HMAC-signed and foreign-key tokens get a 401; `X-Trino-User` must match the principal unless
//! it may impersonate; Trino's own OAuth2 flows pass through when tokens are not required.
//!
//! Forged tokens are signed with test keys (`tests/keys/`): one is imported into the test realm
//! as an extra signing key, so the realm's real JWKS vouches for its signatures and each claim
//! check must reject the token on its own; the other is never trusted.

#![cfg(all(feature = "keycloak", feature = "server"))]

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use support::Fresh;
use support::keycloak::{Keycloak, TestRealm, http, keycloak};
use support::trino::Fixture;
use trino_platform::gateway::{Gateway, GatewayConfig};
use trino_platform::keycloak::{OAuthClientSpec, UserSpec};

const TRUSTED_KEY: &[u8] = include_bytes!("keys/trusted-rsa.pem");
const ATTACKER_KEY: &[u8] = include_bytes!("keys/attacker-rsa.pem");

/// A realm with the Trino client, a Superset service account, the user alice (group
/// analysts) and the trusted test key.
struct Setup {
    realm: TestRealm,
    trino_secret: String,
    superset_secret: String,
    trusted_kid: String,
}

async fn setup(kc: &Keycloak) -> Setup {
    let realm = TestRealm::create(kc, "tp-gwauth").await;
    let admin = kc.admin().await;
    let mut trino = OAuthClientSpec::new(&realm.name, "trino", "http://gateway.example.test");
    trino.direct_access_grants = true; // the password grant of this test
    let trino = admin.ensure_client(&trino).await.unwrap();
    let mut superset = OAuthClientSpec::new(&realm.name, "superset", "http://superset.example.test");
    superset.service_accounts = true;
    superset.audiences = vec!["trino".into()];
    let superset = admin.ensure_client(&superset).await.unwrap();
    let mut alice = UserSpec::new("alice");
    alice.email = Some("alice@example.com".into());
    alice.first_name = Some("Alice".into());
    alice.last_name = Some("Analyst".into());
    alice.password = Some("alice-password-1".to_owned().into());
    alice.groups = vec!["analysts".into()];
    admin.ensure_user(&realm.name, &alice).await.unwrap();
    let trusted_kid = import_key(&realm, "trusted-test-key", TRUSTED_KEY).await;
    Setup {
        realm,
        trino_secret: trino.secret.expose_secret().to_owned(),
        superset_secret: superset.secret.expose_secret().to_owned(),
        trusted_kid,
    }
}

/// Imports a PEM private key as a low-priority RS256 key of the realm (Keycloak's `rsa` key
/// provider); returns its `kid` as the realm's JWKS publishes it.
async fn import_key(realm: &TestRealm, name: &str, pem: &[u8]) -> String {
    let (_, realm_rep) = realm.raw("GET", "", None).await;
    let component = json!({
        "name": name, "providerId": "rsa", "providerType": "org.keycloak.keys.KeyProvider",
        "parentId": realm_rep["id"],
        "config": {"priority": ["-100"], "enabled": ["true"], "active": ["true"], "algorithm": ["RS256"],
                   "privateKey": [String::from_utf8_lossy(pem)]},
    });
    assert_eq!(realm.raw("POST", "/components", Some(component)).await.0, 201);
    let (_, components) = realm.raw("GET", &format!("/components?name={name}"), None).await;
    let id = components[0]["id"].as_str().unwrap().to_owned();
    let (_, keys) = realm.raw("GET", "/keys", None).await;
    keys["keys"].as_array().unwrap().iter().find(|k| k["providerId"] == id.as_str()).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn gateway(realm: &TestRealm, fixture: &Fixture, store: &Fresh, required: bool) -> (Gateway, String) {
    let yaml = format!(
        "listen: {{http: '127.0.0.1:0'}}\nstore: '{store}'\nadmin: {{tokens: ['t']}}\n\
         health: {{interval: 200ms, timeout: 500ms, failureThreshold: 2, successThreshold: 1}}\n\
         clusters:\n  - {{name: {name}, proxyTo: '{url}'}}\n\
         auth:\n  required: {required}\n  impersonators: [service-account-superset]\n  \
         oidc: {{issuer: '{issuer}', clientId: trino, jwksMinRefreshInterval: 1s}}\n",
        store = store.url,
        name = fixture.name,
        url = fixture.url(),
        issuer = realm.issuer(),
    );
    let gateway = Gateway::start(GatewayConfig::from_yaml(&yaml).unwrap()).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    (gateway, url)
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn call(method: &str, url: &str, token: Option<&str>, user: Option<&str>, body: &str) -> Reply {
    let mut request =
        http().request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url).body(body.to_owned());
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(user) = user {
        request = request.header("x-trino-user", user);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Reply { status, headers, body: response.text().await.unwrap() }
}

/// Runs a query to the end through `gateway` with `token`; returns the first reply.
async fn run_query(gateway: &str, token: &str, user: Option<&str>) -> Reply {
    let first = call("POST", &format!("{gateway}/v1/statement"), Some(token), user, "SELECT 1").await;
    if first.status != 200 {
        return first;
    }
    let mut page = first.json();
    while let Some(next) = page["nextUri"].as_str() {
        let reply = call("GET", next, Some(token), None, "").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        page = reply.json();
    }
    assert_eq!(page["stats"]["state"], "FINISHED");
    first
}

fn assert_rejected(reply: &Reply, token: &str, why: &str) {
    assert_eq!(reply.status, 401, "{why}: {}", reply.body);
    let challenge = reply.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer realm=\"trino-gateway\""), "{why}: {challenge}");
    assert_eq!(reply.json()["error"]["errorName"], "AUTHENTICATION_FAILED", "{why}");
    assert!(!reply.body.contains(token) && !challenge.contains(token), "{why}: the token is echoed");
}

async fn password_token(setup: &Setup, user: &str, password: &str) -> String {
    let (status, body) = setup
        .realm
        .token(&[
            ("grant_type", "password"),
            ("client_id", "trino"),
            ("client_secret", &setup.trino_secret),
            ("username", user),
            ("password", password),
            ("scope", "openid"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn claims(issuer: &str, name: &str) -> Value {
    json!({"iss": issuer, "aud": "trino", "sub": format!("sub-{name}"), "preferred_username": name,
           "typ": "Bearer", "iat": now(), "exp": now() + 300})
}

fn forge(pem: &[u8], kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    encode(&header, claims, &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keycloak_tokens_reach_the_backend_as_their_principal() {
    let Some(kc) = keycloak() else { return };
    let setup = setup(&kc).await;
    let (fixture, store) = (Fixture::start("trino-a").await, Fresh::sqlite());
    let (gateway, url) = gateway(&setup.realm, &fixture, &store, true).await;

    // A user's token (password grant): the principal is alice, the token reaches Trino.
    let alice = password_token(&setup, "alice", "alice-password-1").await;
    let reply = run_query(&url, &alice, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let first = call("POST", &format!("{url}/v1/statement"), Some(&alice), None, "SELECT 1").await;
    assert_eq!(first.status, 200);
    assert_eq!(fixture.last_user().as_deref(), Some("alice"), "X-Trino-User set to the principal");
    assert_eq!(fixture.last_authorization(), Some(format!("Bearer {alice}")), "the token is forwarded");
    assert_eq!(run_query(&url, &alice, Some("alice")).await.status, 200);
    assert_eq!(fixture.last_user().as_deref(), Some("alice"));

    // alice may not run queries as bob.
    let spoofed = call("POST", &format!("{url}/v1/statement"), Some(&alice), Some("bob"), "SELECT 1").await;
    assert_eq!(spoofed.status, 403, "{}", spoofed.body);
    assert_eq!(spoofed.json()["error"]["errorName"], "PERMISSION_DENIED");

    // A service account (client credentials) that may impersonate: Superset running as alice.
    let (status, body) = setup
        .realm
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "superset"),
            ("client_secret", &setup.superset_secret),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    let superset = body["access_token"].as_str().unwrap().to_owned();
    let statement = format!("{url}/v1/statement");
    assert_eq!(call("POST", &statement, Some(&superset), Some("alice"), "SELECT 1").await.status, 200);
    assert_eq!(fixture.last_user().as_deref(), Some("alice"));
    assert_eq!(run_query(&url, &superset, Some("alice")).await.status, 200);
    assert_eq!(call("POST", &statement, Some(&superset), None, "SELECT 1").await.status, 200);
    assert_eq!(fixture.last_user().as_deref(), Some("service-account-superset"));

    // No token: 401 from the gateway (tokens are required here); the login legs pass through.
    let before = fixture.statement_requests();
    let anonymous = call("POST", &format!("{url}/v1/statement"), None, Some("alice"), "SELECT 1").await;
    assert_rejected(&anonymous, "NO TOKEN SENT", "no token");
    assert_eq!(fixture.statement_requests(), before, "nothing reached Trino");
    let leg = call("GET", &format!("{url}/oauth2/token/some-auth-id"), None, None, "").await;
    assert!(leg.headers.contains_key("x-fixture-name"), "the OAuth2 leg reached Trino: {}", leg.status);
    let sneaky = call("GET", &format!("{url}/oauth2/%2E%2E%2Fv1%2Fstatement"), None, None, "").await;
    assert_eq!(sneaky.status, 401, "an encoded path is not a login leg");
    gateway.stop().await;
    setup.realm.delete().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tampered_and_foreign_tokens_are_rejected() {
    let Some(kc) = keycloak() else { return };
    let setup = setup(&kc).await;
    let (fixture, store) = (Fixture::start("trino-a").await, Fresh::sqlite());
    let (gateway, url) = gateway(&setup.realm, &fixture, &store, true).await;
    let issuer = setup.realm.issuer();
    let statement = format!("{url}/v1/statement");
    let submit = |token: String| {
        let statement = statement.clone();
        async move { (call("POST", &statement, Some(&token), None, "SELECT 1").await, token) }
    };

    // The control: a token signed with the realm's (imported) key and right claims is good, so
    // each rejection below is the work of one check.
    let (good, _) = submit(forge(TRUSTED_KEY, &setup.trusted_kid, &claims(&issuer, "mallory"))).await;
    assert_eq!(good.status, 200, "{}", good.body);
    assert_eq!(fixture.last_user().as_deref(), Some("mallory"));

    let alice = password_token(&setup, "alice", "alice-password-1").await;
    let parts: Vec<&str> = alice.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["preferred_username"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], b64(&payload), parts[2]);
    let mut signature = parts[2].to_owned().into_bytes();
    signature[10] = if signature[10] == b'A' { b'B' } else { b'A' };
    let bad_signature = format!("{}.{}.{}", parts[0], parts[1], String::from_utf8(signature).unwrap());

    let with = |change: &dyn Fn(&mut Value)| {
        let mut c = claims(&issuer, "mallory");
        change(&mut c);
        c
    };
    let none_token = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims(&issuer, "mallory")));
    let none_signed = format!("{none_token}c2ln");
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(setup.trusted_kid.clone());
    let hmac =
        encode(&hs_header, &claims(&issuer, "mallory"), &EncodingKey::from_secret(setup.trino_secret.as_bytes()))
            .unwrap();

    let cases: Vec<(&str, &str, String)> = vec![
        ("tampered payload", "signature is invalid", tampered),
        ("corrupted signature", "signature is invalid", bad_signature),
        (
            "expired beyond the skew",
            "expired",
            forge(TRUSTED_KEY, &setup.trusted_kid, &with(&|c| c["exp"] = json!(now() - 120))),
        ),
        (
            "not valid yet",
            "not valid yet",
            forge(TRUSTED_KEY, &setup.trusted_kid, &with(&|c| c["nbf"] = json!(now() + 120))),
        ),
        (
            "wrong issuer",
            "another issuer",
            forge(TRUSTED_KEY, &setup.trusted_kid, &with(&|c| c["iss"] = json!(format!("{}/realms/master", kc.url)))),
        ),
        (
            "wrong audience",
            "not meant for this client",
            forge(TRUSTED_KEY, &setup.trusted_kid, &with(&|c| c["aud"] = json!(["account"]))),
        ),
        (
            "no audience",
            "lacks the \"aud\" claim",
            forge(
                TRUSTED_KEY,
                &setup.trusted_kid,
                &with(&|c| {
                    c.as_object_mut().unwrap().remove("aud");
                }),
            ),
        ),
        (
            "no principal claim",
            "preferred_username",
            forge(
                TRUSTED_KEY,
                &setup.trusted_kid,
                &with(&|c| {
                    c.as_object_mut().unwrap().remove("preferred_username");
                }),
            ),
        ),
        ("alg none", "unsigned", none_token),
        ("alg none with a signature", "\"none\" is never accepted", none_signed),
        ("HMAC", "HMAC-signed tokens are never accepted", hmac),
        (
            "foreign key, trusted kid",
            "signature is invalid",
            forge(ATTACKER_KEY, &setup.trusted_kid, &claims(&issuer, "mallory")),
        ),
        (
            "foreign key, unknown kid",
            "does not publish",
            forge(ATTACKER_KEY, "attacker-kid", &claims(&issuer, "mallory")),
        ),
        ("garbage", "three parts", "not-a-token".to_owned()),
    ];
    let before = fixture.statement_requests();
    for (why, reason, token) in cases {
        let (reply, token) = submit(token).await;
        assert_rejected(&reply, &token, why);
        let message = reply.json()["error"]["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains(reason), "{why}: rejected for another reason: {message}");
    }
    assert_eq!(fixture.statement_requests(), before, "no rejected request reached Trino");

    // The clock skew (30 s by default) is tolerated, and no more.
    let (recent, _) = submit(forge(TRUSTED_KEY, &setup.trusted_kid, &with(&|c| c["exp"] = json!(now() - 10)))).await;
    assert_eq!(recent.status, 200, "expired 10 s ago, within the skew");
    let (early, _) = submit(forge(TRUSTED_KEY, &setup.trusted_kid, &with(&|c| c["nbf"] = json!(now() + 10)))).await;
    assert_eq!(early.status, 200, "valid in 10 s, within the skew");

    // A key the realm starts publishing later is picked up: the unknown kid makes the
    // validator fetch the JWKS again (at most once per jwksMinRefreshInterval, 1 s here).
    let new_kid = import_key(&setup.realm, "rotated-in-key", ATTACKER_KEY).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (rotated, _) = submit(forge(ATTACKER_KEY, &new_kid, &claims(&issuer, "mallory"))).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    gateway.stop().await;
    setup.realm.delete().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_required_tokens_trinos_own_oauth2_flow_passes_through() {
    let Some(kc) = keycloak() else { return };
    let setup = setup(&kc).await;
    let (fixture, store) = (Fixture::start("trino-a").await, Fresh::sqlite());
    let (gateway, url) = gateway(&setup.realm, &fixture, &store, false).await;

    // No Authorization: Trino answers with its own OAuth2 challenge, and the legs it names are
    // pinned to it.
    let challenge = call("POST", &format!("{url}/v1/statement"), None, Some("oauth"), "SELECT 1").await;
    assert_eq!(challenge.status, 401);
    let header = challenge.headers["www-authenticate"].to_str().unwrap();
    assert!(header.contains("x_redirect_server"), "Trino's challenge, not the gateway's: {header}");
    let initiate = call("GET", &format!("{url}/oauth2/token/initiate/trino-ahash"), None, None, "").await;
    assert!(initiate.headers.contains_key("set-cookie"), "pinned");
    // A request without token runs as the user it names: Trino authenticates it.
    assert_eq!(call("POST", &format!("{url}/v1/statement"), None, Some("carol"), "SELECT 1").await.status, 200);
    assert_eq!(fixture.last_user().as_deref(), Some("carol"));
    // A token Trino issued itself (JWE, five parts) passes through to Trino.
    let jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y2lwaGVy.dGFn";
    assert_eq!(call("POST", &format!("{url}/v1/statement"), Some(jwe), None, "SELECT 1").await.status, 200);
    // A bearer JWT must still be valid, and its principal still binds X-Trino-User.
    assert_rejected(&call("POST", &format!("{url}/v1/statement"), Some("a.b.c"), None, "").await, "a.b.c", "bad JWT");
    let alice = password_token(&setup, "alice", "alice-password-1").await;
    assert_eq!(call("POST", &format!("{url}/v1/statement"), Some(&alice), Some("bob"), "SELECT 1").await.status, 403);
    assert_eq!(run_query(&url, &alice, None).await.status, 200);
    gateway.stop().await;
    setup.realm.delete().await;
}
