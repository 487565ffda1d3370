//! `KeycloakAdmin` against the real Keycloak of the harness: the OAuth client ensured twice
//! (the second time changes nothing) and checked through Keycloak's own Admin API, drift
//! repaired, plans that list exactly what ensure then changes and write nothing, the secret rotated (the old one stops working at the token endpoint), users and
//! groups, typed errors for an unreachable or refusing Keycloak, and no secret in any error,
//! `Debug` output or log line. Each test works in a realm of its own and deletes it.

#![cfg(feature = "keycloak")]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use support::keycloak::{TestRealm, keycloak};
use trino_platform::ErrorKind;
use trino_platform::keycloak::{AdminCredentials, KeycloakAdmin, KeycloakConnection, OAuthClientSpec, UserSpec};

fn client_spec(realm: &str) -> OAuthClientSpec {
    let mut spec = OAuthClientSpec::new(realm, "trino", "https://trino.example.com/");
    spec.ensure_realm = true;
    spec
}

/// The client's representation and mappers, read with plain Admin API calls.
async fn observed(realm: &TestRealm, client_id: &str) -> (Value, Vec<Value>) {
    let (status, found) = realm.raw("GET", &format!("/clients?clientId={client_id}"), None).await;
    assert_eq!(status, 200);
    let client = found[0].clone();
    let id = client["id"].as_str().unwrap();
    let (status, mappers) = realm.raw("GET", &format!("/clients/{id}/protocol-mappers/models"), None).await;
    assert_eq!(status, 200);
    (client, mappers.as_array().unwrap().clone())
}

fn mapper<'a>(mappers: &'a [Value], name: &str) -> &'a Value {
    mappers.iter().find(|m| m["name"] == name).unwrap_or_else(|| panic!("no mapper {name}: {mappers:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensure_client_twice_changes_nothing_the_second_time() {
    let Some(kc) = keycloak() else { return };
    let realm = TestRealm::reserve(&kc, "tp-ensure");
    let admin = kc.admin().await;
    let spec = client_spec(&realm.name);

    let first = admin.ensure_client(&spec).await.unwrap();
    assert!(first.created && first.changed, "{first:?}");
    assert!(first.changes.contains(&"realm".to_owned()), "the realm was created: {:?}", first.changes);
    let second = admin.ensure_client(&spec).await.unwrap();
    assert!(!second.created && !second.changed, "second run: {:?}", second.changes);
    assert_eq!(second.id, first.id);
    assert_eq!(second.secret.expose_secret(), first.secret.expose_secret());

    // What Keycloak itself says.
    let (client, mappers) = observed(&realm, "trino").await;
    assert_eq!(client["id"], first.id.as_str());
    assert_eq!(client["publicClient"], false, "confidential");
    assert_eq!(client["clientAuthenticatorType"], "client-secret");
    assert_eq!(client["standardFlowEnabled"], true);
    assert_eq!(client["directAccessGrantsEnabled"], false);
    assert_eq!(client["redirectUris"], json!(["https://trino.example.com/oauth2/callback"]));
    assert_eq!(client["webOrigins"], json!(["https://trino.example.com"]));
    assert_eq!(client["attributes"]["pkce.code.challenge.method"], "S256");
    assert_eq!(client["attributes"]["post.logout.redirect.uris"], "https://trino.example.com/ui/logout/logout.html");
    let audience = mapper(&mappers, "audience");
    assert_eq!(audience["protocolMapper"], "oidc-audience-mapper");
    assert_eq!(audience["config"]["included.client.audience"], "trino");
    let groups = mapper(&mappers, "groups");
    assert_eq!(groups["protocolMapper"], "oidc-group-membership-mapper");
    assert_eq!(
        (groups["config"]["full.path"].clone(), groups["config"]["claim.name"].clone()),
        (json!("false"), json!("groups"))
    );
    assert_eq!(mapper(&mappers, "username")["config"]["claim.name"], "preferred_username");
    let (status, secret) = realm.raw("GET", &format!("/clients/{}/client-secret", first.id), None).await;
    assert_eq!((status, secret["value"].as_str()), (200, Some(first.secret.expose_secret())));

    // Drift made behind its back is repaired, and only that.
    let mut drifted = client.clone();
    drifted["redirectUris"] = json!(["https://old.example.com/oauth2/callback"]);
    drifted["publicClient"] = json!(true);
    drifted.as_object_mut().unwrap().remove("protocolMappers");
    assert_eq!(realm.raw("PUT", &format!("/clients/{}", first.id), Some(drifted)).await.0, 204);
    let groups_id = groups["id"].as_str().unwrap();
    let path = format!("/clients/{}/protocol-mappers/models/{groups_id}", first.id);
    assert_eq!(realm.raw("DELETE", &path, None).await.0, 204);
    let repaired = admin.ensure_client(&spec).await.unwrap();
    let mut changes = repaired.changes.clone();
    changes.sort();
    assert_eq!(changes, ["mapper groups created", "publicClient", "redirectUris"]);
    let (client, mappers) = observed(&realm, "trino").await;
    assert_eq!(
        (client["publicClient"].clone(), client["redirectUris"].clone()),
        (json!(false), json!(["https://trino.example.com/oauth2/callback"]))
    );
    assert_eq!(mapper(&mappers, "groups")["config"]["full.path"], "false");
    assert!(!admin.ensure_client(&spec).await.unwrap().changed);

    // A fixed secret is set once, then left alone.
    let mut fixed = spec.clone();
    fixed.secret = Some("a-fixed-secret-of-the-spec".to_owned().into());
    let set = admin.ensure_client(&fixed).await.unwrap();
    assert_eq!(
        (set.changes.as_slice(), set.secret.expose_secret()),
        (["secret".to_owned()].as_slice(), "a-fixed-secret-of-the-spec")
    );
    assert!(!admin.ensure_client(&fixed).await.unwrap().changed);

    assert!(admin.delete_client(&realm.name, "trino").await.unwrap());
    assert!(!admin.delete_client(&realm.name, "trino").await.unwrap(), "already gone");
    assert_eq!(realm.raw("GET", "/clients?clientId=trino", None).await.1, json!([]));
    realm.delete().await;
}

/// The client and its mappers (sorted by name), for "nothing changed" checks.
async fn snapshot(realm: &TestRealm, client_id: &str) -> (Value, Vec<Value>) {
    let (client, mut mappers) = observed(realm, client_id).await;
    mappers.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    (client, mappers)
}

fn sorted(changes: &[String]) -> Vec<&str> {
    let mut changes: Vec<&str> = changes.iter().map(String::as_str).collect();
    changes.sort_unstable();
    changes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_client_lists_what_ensure_would_change_and_writes_nothing() {
    let Some(kc) = keycloak() else { return };
    let admin = kc.admin().await;

    // A missing realm: with ensureRealm, the realm and the client would be created (and the
    // plan creates neither); without it, the NotFound ensure_client gives.
    let absent = TestRealm::reserve(&kc, "tp-plan-absent");
    let spec = client_spec(&absent.name);
    let plan = admin.plan_client(&spec).await.unwrap();
    assert_eq!((plan.create, plan.id.as_deref(), sorted(&plan.changes)), (true, None, vec!["created", "realm"]));
    assert_eq!(absent.raw("GET", "", None).await.0, 404, "the plan created no realm");
    let mut strict = spec.clone();
    strict.ensure_realm = false;
    let planned = admin.plan_client(&strict).await.unwrap_err();
    let ensured = admin.ensure_client(&strict).await.unwrap_err();
    assert_eq!((planned.kind(), planned.message()), (ErrorKind::NotFound, ensured.message()));
    absent.delete().await;

    // An empty realm: the client would be created; it is still absent after the plan.
    let realm = TestRealm::create(&kc, "tp-plan").await;
    let spec = client_spec(&realm.name);
    let plan = admin.plan_client(&spec).await.unwrap();
    assert_eq!((plan.create, plan.changes.as_slice()), (true, ["created".to_owned()].as_slice()));
    assert_eq!(realm.raw("GET", "/clients?clientId=trino", None).await.1, json!([]), "the plan wrote nothing");
    let ensured = admin.ensure_client(&spec).await.unwrap();
    assert_eq!(ensured.changes, plan.changes, "ensure did what was planned");

    // Converged: nothing to do.
    let plan = admin.plan_client(&spec).await.unwrap();
    assert!(!plan.create && !plan.changed(), "{plan:?}");
    assert_eq!(plan.id.as_deref(), Some(ensured.id.as_str()));

    // Drift behind its back: redirect URIs and PKCE changed, the groups mapper deleted, the
    // username mapper's claim renamed, the realm disabled.
    let (client, mappers) = observed(&realm, "trino").await;
    let mut drifted = client.clone();
    drifted["redirectUris"] = json!(["https://old.example.com/oauth2/callback"]);
    drifted["attributes"]["pkce.code.challenge.method"] = json!("plain");
    drifted.as_object_mut().unwrap().remove("protocolMappers");
    assert_eq!(realm.raw("PUT", &format!("/clients/{}", ensured.id), Some(drifted)).await.0, 204);
    let models = format!("/clients/{}/protocol-mappers/models", ensured.id);
    let groups_id = mapper(&mappers, "groups")["id"].as_str().unwrap().to_owned();
    assert_eq!(realm.raw("DELETE", &format!("{models}/{groups_id}"), None).await.0, 204);
    let mut username = mapper(&mappers, "username").clone();
    username["config"]["claim.name"] = json!("user_name");
    let username_id = username["id"].as_str().unwrap().to_owned();
    assert_eq!(realm.raw("PUT", &format!("{models}/{username_id}"), Some(username)).await.0, 204);
    let (_, mut realm_json) = realm.raw("GET", "", None).await;
    realm_json["enabled"] = json!(false);
    assert_eq!(realm.raw("PUT", "", Some(realm_json)).await.0, 204);

    let before = snapshot(&realm, "trino").await;
    let plan = admin.plan_client(&spec).await.unwrap();
    let expected = [
        "attributes.pkce.code.challenge.method",
        "mapper groups created",
        "mapper username updated",
        "realm",
        "redirectUris",
    ];
    assert_eq!(sorted(&plan.changes), expected);
    assert!(!plan.create);
    assert_eq!(snapshot(&realm, "trino").await, before, "the plan wrote nothing");
    assert_eq!(realm.raw("GET", "", None).await.1["enabled"], false, "the plan left the realm alone");

    let repaired = admin.ensure_client(&spec).await.unwrap();
    assert_eq!(sorted(&repaired.changes), expected, "ensure fixed what was planned");
    let (client, mappers) = observed(&realm, "trino").await;
    assert_eq!(client["redirectUris"], json!(["https://trino.example.com/oauth2/callback"]));
    assert_eq!(client["attributes"]["pkce.code.challenge.method"], "S256");
    assert_eq!(mapper(&mappers, "username")["config"]["claim.name"], "preferred_username");
    assert_eq!(mapper(&mappers, "groups")["config"]["claim.name"], "groups");
    assert!(!admin.plan_client(&spec).await.unwrap().changed());

    // A fixed secret: the plan names it without its value and leaves the current one.
    let mut fixed = spec.clone();
    fixed.secret = Some("plan-fixed-secret-5d2c81".to_owned().into());
    let plan = admin.plan_client(&fixed).await.unwrap();
    assert_eq!(plan.changes, ["secret"]);
    let shown = format!("{plan:?} {}", serde_json::to_string(&plan).unwrap());
    for secret in ["plan-fixed-secret-5d2c81", ensured.secret.expose_secret()] {
        assert!(!shown.contains(secret), "a secret in the plan: {shown}");
    }
    let (_, current) = realm.raw("GET", &format!("/clients/{}/client-secret", ensured.id), None).await;
    assert_eq!(current["value"].as_str(), Some(ensured.secret.expose_secret()), "the plan set no secret");
    assert_eq!(admin.ensure_client(&fixed).await.unwrap().changes, ["secret"]);
    assert!(!admin.plan_client(&fixed).await.unwrap().changed());
    realm.delete().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_secret_makes_the_token_endpoint_reject_the_old_one() {
    let Some(kc) = keycloak() else { return };
    let realm = TestRealm::reserve(&kc, "tp-rotate");
    let admin = kc.admin().await;
    let mut spec = client_spec(&realm.name);
    spec.client_id = "superset".into();
    spec.service_accounts = true;
    let old = admin.ensure_client(&spec).await.unwrap().secret;
    let grant = |secret: String| {
        let realm = &realm;
        async move {
            realm
                .token(&[("grant_type", "client_credentials"), ("client_id", "superset"), ("client_secret", &secret)])
                .await
        }
    };
    assert_eq!(grant(old.expose_secret().to_owned()).await.0, 200);

    let rotated = admin.rotate_secret(&realm.name, "superset").await.unwrap();
    assert_ne!(rotated.secret.expose_secret(), old.expose_secret());
    let (status, body) = grant(old.expose_secret().to_owned()).await;
    assert_eq!(status, 401, "{body}");
    assert!(matches!(body["error"].as_str(), Some("unauthorized_client" | "invalid_client")), "{body}");
    assert_eq!(grant(rotated.secret.expose_secret().to_owned()).await.0, 200);
    assert_eq!(
        admin.client_secret(&realm.name, "superset").await.unwrap().expose_secret(),
        rotated.secret.expose_secret()
    );
    assert_eq!(admin.rotate_secret(&realm.name, "nope").await.unwrap_err().kind(), ErrorKind::NotFound);
    realm.delete().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_groups_are_ensured_by_name() {
    let Some(kc) = keycloak() else { return };
    let realm = TestRealm::create(&kc, "tp-users").await;
    let admin = kc.admin().await;
    let mut alice = UserSpec::new("alice");
    alice.email = Some("alice@example.com".into());
    alice.first_name = Some("Alice".into());
    alice.last_name = Some("Analyst".into());
    alice.password = Some("alice-password-1".to_owned().into());
    alice.groups = vec!["analysts".into(), "etl".into()];
    let created = admin.ensure_user(&realm.name, &alice).await.unwrap();
    assert!(created.created);
    assert_eq!(created.changes, ["created", "group analysts", "group etl"]);
    let again = admin.ensure_user(&realm.name, &alice).await.unwrap();
    assert!(!again.created && again.changes.is_empty(), "{again:?}");
    let (_, groups) = realm.raw("GET", &format!("/users/{}/groups", created.id), None).await;
    let mut names: Vec<_> = groups.as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    assert_eq!(names, ["analysts", "etl"]);
    let group = admin.ensure_group(&realm.name, "analysts").await.unwrap();
    assert!(!group.created);
    alice.last_name = Some("Architect".into());
    assert_eq!(admin.ensure_user(&realm.name, &alice).await.unwrap().changes, ["lastName"]);
    realm.delete().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keycloak_failures_are_typed_errors() {
    let Some(kc) = keycloak() else { return };

    // Unreachable.
    let connection = KeycloakConnection::new("http://127.0.0.1:1", AdminCredentials::password("admin", "pw"));
    let err = KeycloakAdmin::connect(connection).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.message().contains("cannot reach http://127.0.0.1:1"), "{err}");
    assert!(err.is_retryable());

    // Rejected credentials, unknown login realm.
    let mut connection = kc.connection();
    connection.credentials = AdminCredentials::password(&kc.admin_user, "not-the-password");
    let err = KeycloakAdmin::connect(connection.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
    assert!(err.message().contains("rejected the admin credentials"), "{err}");
    connection.auth_realm = "no-such-realm-here".into();
    assert_eq!(KeycloakAdmin::connect(connection).await.unwrap_err().kind(), ErrorKind::NotFound);

    let realm = TestRealm::create(&kc, "tp-errors").await;
    let admin = kc.admin().await;
    // A missing realm (not ensured), a missing client.
    let mut spec = client_spec("tp-no-such-realm");
    spec.ensure_realm = false;
    assert_eq!(admin.ensure_client(&spec).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(admin.client_secret(&realm.name, "missing").await.unwrap_err().kind(), ErrorKind::NotFound);
    // Keycloak refuses the value: 400 → InvalidInput with its reason.
    let mut spec = client_spec(&realm.name);
    spec.extra_redirect_uris = vec!["javascript:alert(1)".into()];
    let err = admin.ensure_client(&spec).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.message().contains("HTTP 400"), "{err}");

    // A user without admin roles: 403 → Forbidden.
    let mut user = UserSpec::new("plain");
    user.email = Some("plain@example.com".into());
    user.first_name = Some("Plain".into());
    user.last_name = Some("User".into());
    user.password = Some("plain-password-1".to_owned().into());
    admin.ensure_user(&realm.name, &user).await.unwrap();
    let mut connection = KeycloakConnection::new(&kc.url, AdminCredentials::password("plain", "plain-password-1"));
    connection.auth_realm = realm.name.clone();
    let plain = KeycloakAdmin::connect(connection).await.unwrap();
    let err = plain.ensure_client(&client_spec(&realm.name)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
    realm.delete().await;
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line (down to TRACE, all crates), error message and `Debug` output of a session
/// that logs in, ensures, rotates and fails is free of the passwords and secrets involved.
#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_errors_logs_or_debug_output() {
    let Some(kc) = keycloak() else { return };
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let realm = TestRealm::reserve(&kc, "tp-secrets");
    let admin = kc.admin().await;
    let mut spec = client_spec(&realm.name);
    spec.service_accounts = true;
    spec.secret = Some("spec-secret-7f3a9c".to_owned().into());
    let ensured = admin.ensure_client(&spec).await.unwrap();
    let rotated = admin.rotate_secret(&realm.name, "trino").await.unwrap();
    let mut wrong = kc.connection();
    wrong.credentials = AdminCredentials::password(&kc.admin_user, "wrong-password-b81d2e");
    let login_error = KeycloakAdmin::connect(wrong.clone()).await.unwrap_err();
    let service = AdminCredentials::client_credentials("trino", rotated.secret.expose_secret());
    let mut as_service = KeycloakConnection::new(&kc.url, service);
    as_service.auth_realm = realm.name.clone();
    let service_admin = KeycloakAdmin::connect(as_service.clone()).await.unwrap();
    let forbidden = service_admin.ensure_client(&client_spec(&realm.name)).await.unwrap_err();
    assert_eq!(forbidden.kind(), ErrorKind::Forbidden);

    let mut texts = vec![
        format!("{ensured:?}"),
        serde_json::to_string(&ensured).unwrap(),
        format!("{rotated:?}"),
        serde_json::to_string(&rotated).unwrap(),
        format!("{login_error:?} {login_error}"),
        format!("{forbidden:?} {forbidden}"),
        format!("{wrong:?} {as_service:?} {spec:?} {admin:?} {service_admin:?}"),
    ];
    realm.delete().await;
    texts.push(String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned());
    let secrets = ["spec-secret-7f3a9c", "wrong-password-b81d2e", rotated.secret.expose_secret(), &kc.admin_password];
    for text in &texts {
        for secret in secrets {
            // The harness's admin password may be a common word; check it only where it is rare.
            if secret == kc.admin_password && secret.len() < 12 {
                continue;
            }
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
    }
    assert!(texts.last().unwrap().contains("ensured the OAuth client"), "the session was logged");
}

/// Discovery takes the issuer exactly as the provider reports it: the realm's URL is accepted;
/// the same realm asked for with a trailing slash is refused (tokens would carry another `iss`
/// than the one configured), and a realm that does not exist is `NotFound`.
#[tokio::test]
async fn discovery_accepts_only_the_exact_issuer() {
    let Some(kc) = keycloak() else { return };
    let issuer = format!("{}/realms/master", kc.url);
    let provider = trino_platform::auth::OidcProvider::discover(&issuer).await.unwrap();
    assert_eq!(provider.issuer, issuer);
    assert!(provider.jwks_uri.starts_with(&issuer), "{provider:?}");

    let err = trino_platform::auth::OidcProvider::discover(&format!("{issuer}/")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.message().contains("issuer"), "{err}");
    let missing = format!("{}/realms/no-such-realm-{}", kc.url, std::process::id());
    let err = trino_platform::auth::OidcProvider::discover(&missing).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

/// The admin token is replaced before it expires: an admin whose realm issues 2-second
/// tokens keeps working across calls several token lifetimes apart.
#[tokio::test]
async fn the_admin_token_is_renewed_before_it_expires() {
    let Some(kc) = keycloak() else { return };
    let realm = TestRealm::create(&kc, "token-refresh").await;
    let (status, _) =
        realm.raw("PUT", "", Some(json!({"accessTokenLifespan": 2, "ssoSessionIdleTimeout": 3600}))).await;
    assert_eq!(status, 204);
    // An admin of this realm: a user with realm-management's view-clients and query-clients.
    let password = "refresh-Admin-Pw-93d1";
    // Keycloak 26's user profile wants names and a verified email before a password login.
    let user = json!({"username": "realm-admin", "enabled": true, "firstName": "Realm", "lastName": "Admin",
                      "email": "realm-admin@example.com", "emailVerified": true,
                      "credentials": [{"type": "password", "value": password, "temporary": false}]});
    assert_eq!(realm.raw("POST", "/users", Some(user)).await.0, 201);
    let (_, users) = realm.raw("GET", "/users?username=realm-admin&exact=true", None).await;
    let user_id = users[0]["id"].as_str().unwrap().to_owned();
    let (_, clients) = realm.raw("GET", "/clients?clientId=realm-management", None).await;
    let management = clients[0]["id"].as_str().unwrap().to_owned();
    let (_, roles) = realm.raw("GET", &format!("/clients/{management}/roles"), None).await;
    let wanted: Vec<Value> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| matches!(r["name"].as_str(), Some("view-clients" | "query-clients")))
        .cloned()
        .collect();
    assert_eq!(wanted.len(), 2);
    let path = format!("/users/{user_id}/role-mappings/clients/{management}");
    assert_eq!(realm.raw("POST", &path, Some(Value::Array(wanted))).await.0, 204);

    let mut connection = KeycloakConnection::new(&kc.url, AdminCredentials::password("realm-admin", password));
    connection.auth_realm.clone_from(&realm.name);
    let admin = KeycloakAdmin::connect(connection).await.unwrap();
    for _ in 0..3 {
        let found = admin.find_client(&realm.name, "account").await.unwrap();
        assert!(found.is_some(), "the realm's own account client is visible");
        tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    }
    realm.delete().await;
}
