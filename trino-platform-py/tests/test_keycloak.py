"""Keycloak from Python, against the real Keycloak of ``scripts/services start``
(``TP_TEST_KEYCLOAK_URL``, ``TP_TEST_KEYCLOAK_ADMIN_USER``, ``TP_TEST_KEYCLOAK_ADMIN_PASSWORD``):
the OAuth client ensured twice (the second run changes nothing), its secret rotated (the realm's
token endpoint, asked with urllib, then refuses the old one), clients, users, groups and realms
deleted; typed errors for wrong credentials and an unreachable Keycloak; and no secret in any
``repr`` or error. Each test works in a realm of its own (``tp-py-<random>``) and deletes it.

The rendering functions (``trino_oauth2_properties``, ``gateway_auth_yaml``, ``issuer_url``) need
no Keycloak. Without the variables the Keycloak tests fail, unless ``TP_SKIP_SERVICES`` names
``keycloak``, which skips them.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from conftest import assert_shape, service_urls
from trino_platform import (
    AsyncKeycloakAdmin,
    ConflictError,
    EnsuredClient,
    EnsuredClientInfo,
    EnsuredGroup,
    EnsuredUser,
    ForbiddenError,
    InvalidInputError,
    KeycloakAdmin,
    NotFoundError,
    RotatedSecret,
    RotatedSecretInfo,
    Secret,
    UnauthorizedError,
    UnavailableError,
    gateway_auth_yaml,
    issuer_url,
    trino_oauth2_properties,
)


@dataclass(frozen=True)
class Keycloak:
    url: str
    admin_user: str
    admin_password: str

    def connect(self) -> KeycloakAdmin:
        return KeycloakAdmin.connect(self.url, username=self.admin_user, password=self.admin_password)


@pytest.fixture(scope="module")
def keycloak() -> Keycloak:
    """The harness's Keycloak, or a failure (a skip when ``TP_SKIP_SERVICES`` names keycloak)."""
    url, user, password = service_urls(
        "keycloak",
        "Keycloak",
        "TP_TEST_KEYCLOAK_URL",
        "TP_TEST_KEYCLOAK_ADMIN_USER",
        "TP_TEST_KEYCLOAK_ADMIN_PASSWORD",
    )
    return Keycloak(url.rstrip("/"), user, password)


@pytest.fixture
def admin(keycloak: Keycloak) -> Iterator[KeycloakAdmin]:
    with keycloak.connect() as admin:
        yield admin


@pytest.fixture
def realm(admin: KeycloakAdmin) -> Iterator[str]:
    """A realm name no other test uses; the realm is deleted afterwards (whoever created it)."""
    name = f"tp-py-{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        admin.delete_realm(name)


def client_spec(realm: str, client_id: str = "trino", **extra: Any) -> dict[str, Any]:
    return {"realm": realm, "clientId": client_id, "externalUrl": "https://trino.example.com/", "ensureRealm": True, **extra}


def token_request(keycloak: Keycloak, realm: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Posts ``form`` to the realm's token endpoint with urllib: the status and the JSON body."""
    request = urllib.request.Request(
        f"{keycloak.url}/realms/{realm}/protocol/openid-connect/token",
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def client_credentials(keycloak: Keycloak, realm: str, client_id: str, secret: Secret) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret.reveal()}
    return token_request(keycloak, realm, form)


# ----- against Keycloak -----


def test_ensure_client_twice_changes_nothing_the_second_time(keycloak: Keycloak, admin: KeycloakAdmin, realm: str) -> None:
    spec = client_spec(realm, serviceAccounts=True)
    first = admin.ensure_client(spec)
    assert isinstance(first, EnsuredClient)
    assert (first.realm, first.client_id, first.created, first.changed) == (realm, "trino", True, True)
    assert "realm" in first.changes and "created" in first.changes, first.changes
    second = admin.ensure_client(spec)
    assert (second.created, second.changed, second.changes) == (False, False, [])
    assert second.id == first.id
    assert second.secret == first.secret and second.secret.reveal() == first.secret.reveal()
    assert admin.client_secret(realm, "trino") == first.secret
    # The secret works at the realm's token endpoint: the client is what Keycloak holds.
    status, body = client_credentials(keycloak, realm, "trino", first.secret)
    assert status == 200 and body["token_type"].lower() == "bearer", body
    # A change to the spec is applied, and only that.
    third = admin.ensure_client({**spec, "extraRedirectUris": ["https://other.example.com/oauth2/callback"]})
    assert (third.created, third.changes) == (False, ["redirectUris"])
    assert third.to_dict() == {
        "realm": realm,
        "clientId": "trino",
        "id": first.id,
        "created": False,
        "changed": True,
        "changes": ["redirectUris"],
    }


def test_a_rotated_secret_makes_the_token_endpoint_reject_the_old_one(
    keycloak: Keycloak, admin: KeycloakAdmin, realm: str
) -> None:
    old = admin.ensure_client(client_spec(realm, "superset", serviceAccounts=True)).secret
    assert client_credentials(keycloak, realm, "superset", old)[0] == 200
    rotated = admin.rotate_secret(realm, "superset")
    assert isinstance(rotated, RotatedSecret)
    assert (rotated.realm, rotated.client_id) == (realm, "superset")
    assert rotated.to_dict() == {"realm": realm, "clientId": "superset", "id": rotated.id}
    assert rotated.secret != old
    status, body = client_credentials(keycloak, realm, "superset", old)
    assert status == 401 and body["error"] in ("unauthorized_client", "invalid_client"), body
    assert client_credentials(keycloak, realm, "superset", rotated.secret)[0] == 200
    assert admin.client_secret(realm, "superset") == rotated.secret
    with pytest.raises(NotFoundError):
        admin.rotate_secret(realm, "no-such-client")
    # Another admin may log in as the service account with the new secret, given as a Secret.
    with pytest.raises(UnauthorizedError):
        KeycloakAdmin.connect(keycloak.url, auth_realm=realm, client_id="superset", client_secret=old)
    with KeycloakAdmin.connect(keycloak.url, auth_realm=realm, client_id="superset", client_secret=rotated.secret) as sa:
        assert repr(sa) == f"KeycloakAdmin(url='{keycloak.url}/', auth_realm='{realm}', client_id='superset')"


def test_clients_and_realms_are_deleted(admin: KeycloakAdmin, realm: str) -> None:
    admin.ensure_client(client_spec(realm))
    assert admin.delete_client(realm, "trino")
    assert not admin.delete_client(realm, "trino"), "already gone"
    with pytest.raises(NotFoundError):
        admin.client_secret(realm, "trino")
    assert admin.delete_realm(realm)
    assert not admin.delete_realm(realm), "already gone"
    with pytest.raises(NotFoundError):
        admin.ensure_client(client_spec(realm, ensureRealm=False))


def test_realms_users_and_groups_are_ensured_by_name(keycloak: Keycloak, admin: KeycloakAdmin, realm: str) -> None:
    assert admin.ensure_realm(realm, display_name="Python tests")
    assert not admin.ensure_realm(realm, display_name="Python tests")
    alice = {
        "username": "alice",
        "email": "alice@example.com",
        "firstName": "Alice",
        "lastName": "Analyst",
        "password": "alice-Passw0rd-1",
        "groups": ["analysts", "etl"],
    }
    created = admin.ensure_user(realm, alice)
    assert (created["username"], created["created"]) == ("alice", True)
    assert created["changes"] == ["created", "group analysts", "group etl"]
    assert admin.ensure_user(realm, alice)["changes"] == []
    assert admin.ensure_user(realm, {**alice, "lastName": "Architect"})["changes"] == ["lastName"]
    group = admin.ensure_group(realm, "analysts")
    assert (group["name"], group["created"]) == ("analysts", False)
    assert admin.ensure_group(realm, "ops")["created"]
    # The user logs in with the password of the spec (a direct grant on a client allowing it).
    admin.ensure_client(client_spec(realm, "cli", directAccessGrants=True))
    secret = admin.client_secret(realm, "cli").reveal()
    form = {"grant_type": "password", "client_id": "cli", "client_secret": secret, "username": "alice"}
    assert token_request(keycloak, realm, {**form, "password": "alice-Passw0rd-1"})[0] == 200
    with pytest.raises(InvalidInputError, match="user spec: passwrd: unknown field") as raised:
        admin.ensure_user(realm, {"username": "bob", "passwrd": "bob-Passw0rd-1"})
    assert "bob-Passw0rd-1" not in str(raised.value)


def test_wrong_admin_password_is_unauthorized_and_not_shown(keycloak: Keycloak) -> None:
    wrong = "not-the-Passw0rd-4f2a"
    with pytest.raises(UnauthorizedError) as raised:
        KeycloakAdmin.connect(keycloak.url, username=keycloak.admin_user, password=wrong)
    assert isinstance(raised.value, PermissionError)
    assert raised.value.kind == "Unauthorized"
    assert "rejected the admin credentials" in raised.value.message
    assert wrong not in str(raised.value)
    with pytest.raises(NotFoundError):
        KeycloakAdmin.connect(
            keycloak.url,
            username=keycloak.admin_user,
            password=keycloak.admin_password,
            auth_realm="tp-py-no-such-realm",
        )


def test_an_unreachable_keycloak_is_unavailable() -> None:
    with pytest.raises(UnavailableError) as raised:
        KeycloakAdmin.connect("http://127.0.0.1:1", username="admin", password="Unreachable-pw-9")
    assert isinstance(raised.value, ConnectionError)
    assert "http://127.0.0.1:1" in raised.value.message and "Unreachable-pw-9" not in str(raised.value)


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"username": "admin"},
        {"password": "pw"},
        {"client_secret": "s"},
        {"username": "admin", "password": "pw", "client_secret": "s"},
    ],
)
def test_connect_needs_one_kind_of_credentials(arguments: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError, match="username= and password=") as raised:
        KeycloakAdmin.connect("http://127.0.0.1:1", **arguments)
    assert "pw" not in raised.value.message.replace("password", "")


def test_bad_connection_settings_are_invalid_input() -> None:
    for url in ("ftp://kc", "kc.example.com", "http://admin:Pw-in-url-7@kc"):
        with pytest.raises(InvalidInputError) as raised:
            KeycloakAdmin.connect(url, username="admin", password="pw")
        assert "Pw-in-url-7" not in str(raised.value)
    with pytest.raises(InvalidInputError, match="timeout"):
        KeycloakAdmin.connect("http://kc", username="admin", password="pw", timeout=float("nan"))
    with pytest.raises(TypeError, match="password: expected a str or a Secret"):
        KeycloakAdmin.connect("http://kc", username="admin", password=b"pw")  # type: ignore[arg-type]


def test_no_secret_in_reprs_or_errors(keycloak: Keycloak, admin: KeycloakAdmin, realm: str) -> None:
    fixed = "spec-Secret-7f3a9c"
    ensured = admin.ensure_client(client_spec(realm, secret=fixed, serviceAccounts=True))
    assert ensured.changes == ["realm", "created"] and ensured.secret.reveal() == fixed
    rotated = admin.rotate_secret(realm, "trino")
    texts = [repr(admin), repr(ensured), str(ensured.to_dict()), repr(rotated), str(rotated.to_dict())]
    texts += [repr(ensured.secret), str(ensured.secret), f"{rotated.secret}", repr([rotated.secret])]
    assert repr(ensured.secret) == "Secret('***')" and str(ensured.secret) == "***"
    assert repr(ensured).endswith("secret=Secret('***'))")
    for bad in [
        client_spec(realm, secret=fixed, colour="red"),  # unknown key, next to the secret
        client_spec(realm, secret=[fixed]),  # the secret in the wrong shape
        client_spec(realm, secret=fixed, pkce=fixed),  # the secret in the wrong field
        {**client_spec(realm, secret=fixed), "externalUrl": "ftp://x"},
    ]:
        with pytest.raises(InvalidInputError) as raised:
            admin.ensure_client(bad)
        texts.append(str(raised.value))
    with pytest.raises(TypeError):
        pickle.dumps(rotated.secret)
    for text in texts:
        for secret in (fixed, rotated.secret.reveal(), keycloak.admin_password):
            if secret == keycloak.admin_password and len(secret) < 12:
                continue  # the harness's admin password may be a common word
            assert secret not in text, text


def test_a_closed_admin_refuses_calls(keycloak: Keycloak) -> None:
    with keycloak.connect() as admin:
        assert admin.url == keycloak.url + "/"
    with pytest.raises(ConflictError, match="closed"):
        admin.ensure_realm("tp-py-never")
    admin.close()  # twice is harmless


# ----- rendering, no Keycloak -----


def test_trino_oauth2_properties_follow_the_trino_version() -> None:
    spec = {"issuer": "https://kc.example.com/realms/platform", "clientId": "trino", "refreshTokens": True}
    text = trino_oauth2_properties(spec, 480)
    lines = text.splitlines()
    keys = [line.split("=", 1)[0] for line in lines]
    assert keys == sorted(keys), "sorted by key"
    assert "http-server.authentication.oauth2.client-secret=${ENV:TRINO_OAUTH2_CLIENT_SECRET}" in lines
    assert "http-server.authentication.oauth2.issuer=https://kc.example.com/realms/platform" in lines
    assert "http-server.authentication.oauth2.refresh-tokens=true" in lines
    assert "groups-field" not in text, "removed in Trino 480"
    assert "deprecated.http-server.authentication.oauth2.groups-field=groups" in trino_oauth2_properties(spec, 476)
    # The argument replaces the spec's own version.
    assert trino_oauth2_properties({**spec, "trinoVersion": 476}, 480) == text
    for version in (435, -1, 2**40):
        with pytest.raises(InvalidInputError, match="Trino version|trino_version"):
            trino_oauth2_properties(spec, version)
    with pytest.raises(InvalidInputError, match="Trino OAuth2 spec: scopes"):
        trino_oauth2_properties({**spec, "scopes": "openid"}, 480)
    with pytest.raises(InvalidInputError, match="clientId"):
        trino_oauth2_properties({"issuer": "https://kc/realms/r"}, 480)


def test_gateway_auth_yaml_and_issuer_url() -> None:
    issuer = issuer_url("https://kc.example.com/", "platform")
    assert issuer == "https://kc.example.com/realms/platform"
    client = {"realm": "platform", "clientId": "trino", "externalUrl": "https://trino.example.com", "groupsClaim": "roles"}
    text = gateway_auth_yaml(issuer, client, required=True, impersonators=["service-account-superset"])
    auth = yaml.safe_load(text)["auth"]
    assert auth["required"] is True
    assert auth["impersonators"] == ["service-account-superset"]
    assert (auth["oidc"]["issuer"], auth["oidc"]["clientId"]) == (issuer, "trino")
    assert auth["oidc"]["groupsClaim"] == "roles"
    assert yaml.safe_load(gateway_auth_yaml(issuer, client))["auth"]["required"] is False
    with pytest.raises(InvalidInputError):
        issuer_url("kc", "platform")
    with pytest.raises(InvalidInputError):
        issuer_url("https://kc", "a/b")
    with pytest.raises(InvalidInputError, match="impersonators"):
        gateway_auth_yaml(issuer, client, impersonators=[" padded "])
    with pytest.raises(InvalidInputError, match="externalUrl"):
        gateway_auth_yaml(issuer, {**client, "externalUrl": "ftp://x"})


# ----- AsyncKeycloakAdmin -----


def test_an_async_admin_ensures_clients_users_and_groups(keycloak: Keycloak, realm: str) -> None:
    async def main() -> None:
        connecting = AsyncKeycloakAdmin.connect(
            keycloak.url, username=keycloak.admin_user, password=Secret(keycloak.admin_password)
        )
        async with connecting as admin:
            assert repr(admin) == f"AsyncKeycloakAdmin(url={admin.url!r}, auth_realm='master', client_id='admin-cli')"
            assert await admin.ensure_realm(realm, display_name="async") is True
            assert await admin.ensure_realm(realm, display_name="async") is False
            first = await admin.ensure_client(client_spec(realm))
            assert isinstance(first, EnsuredClient) and first.created and "secret=Secret('***')" in repr(first)
            second = await admin.ensure_client(client_spec(realm))
            assert (second.changed, second.changes) == (False, [])
            current = await admin.client_secret(realm, "trino")
            assert current == first.secret and current.reveal() == first.secret.reveal()
            rotated = await admin.rotate_secret(realm, "trino")
            assert isinstance(rotated, RotatedSecret) and rotated.secret != first.secret
            assert client_credentials(keycloak, realm, "trino", first.secret)[0] == 401
            # Calls at once on one client.
            group, user = await asyncio.gather(
                admin.ensure_group(realm, "analysts"),
                admin.ensure_user(realm, {"username": "Carol", "password": "carol-Passw0rd-1", "groups": ["etl"]}),
            )
            assert group["name"] == "analysts" and (user["username"], user["created"]) == ("carol", True)
            assert_shape(group, EnsuredGroup)
            assert_shape(user, EnsuredUser)
            assert_shape(first.to_dict(), EnsuredClientInfo)
            assert_shape(rotated.to_dict(), RotatedSecretInfo)
            with pytest.raises(InvalidInputError, match="passwrd") as raised:
                admin.ensure_user(realm, {"username": "bob", "passwrd": "bob-Passw0rd-1"})
            assert "bob-Passw0rd-1" not in str(raised.value)
            assert await admin.delete_client(realm, "trino") is True
            with pytest.raises(NotFoundError):
                await admin.client_secret(realm, "trino")
            assert await admin.delete_realm(realm) is True
        with pytest.raises(ConflictError, match="AsyncKeycloakAdmin of .* is closed"):
            admin.delete_realm(realm)

    asyncio.run(main())


def test_async_connect_reports_wrong_credentials_and_bad_arguments(keycloak: Keycloak) -> None:
    wrong = "not-the-Passw0rd-5e3b"

    async def main() -> None:
        with pytest.raises(UnauthorizedError) as raised:
            await AsyncKeycloakAdmin.connect(keycloak.url, username=keycloak.admin_user, password=wrong)
        assert isinstance(raised.value, PermissionError) and wrong not in str(raised.value)
        with pytest.raises(UnavailableError):
            await AsyncKeycloakAdmin.connect("http://127.0.0.1:1", username="admin", password=wrong)
        with pytest.raises(InvalidInputError, match="AsyncKeycloakAdmin.connect: pass username= and password="):
            AsyncKeycloakAdmin.connect(keycloak.url, username="admin")

    asyncio.run(main())


def test_a_user_without_admin_roles_is_forbidden(keycloak: Keycloak, admin: KeycloakAdmin, realm: str) -> None:
    """A user of a realm of its own logs in to the admin API through that realm's ``admin-cli``
    (Keycloak lets them) but holds no admin role: Keycloak answers 403, a ``ForbiddenError``."""
    admin.ensure_realm(realm)
    profile = {"email": "nobody@example.com", "firstName": "No", "lastName": "Body"}
    admin.ensure_user(realm, {"username": "nobody", "password": "nobody-Passw0rd-1", **profile})
    with KeycloakAdmin.connect(keycloak.url, username="nobody", password="nobody-Passw0rd-1", auth_realm=realm) as weak:
        with pytest.raises(ForbiddenError) as raised:
            weak.ensure_realm(f"{realm}-other")
        assert isinstance(raised.value, PermissionError) and raised.value.kind == "Forbidden"
        assert "nobody-Passw0rd-1" not in str(raised.value)
