// Keycloak from Node.js, against the real Keycloak of `scripts/services start`
// (TP_TEST_KEYCLOAK_URL, TP_TEST_KEYCLOAK_ADMIN_USER, TP_TEST_KEYCLOAK_ADMIN_PASSWORD): the OAuth
// client ensured twice (the second run changes nothing) from a plain object and from an
// `OAuthClientSpec`, its secret checked and rotated at the realm's token endpoint (asked with
// fetch), clients, users, groups and realms; the codes of Keycloak's refusals (Unauthorized,
// Forbidden, NotFound, AlreadyExists, Conflict) and of an unreachable or silent Keycloak
// (Unavailable, Timeout); no secret in any message; and the gateway's `auth:` section from
// `gatewayAuthYaml`, proven by an embedded gateway that accepts Keycloak's tokens. Each test
// works in a realm of its own (`tp-node-<random>`) and deletes it.
//
// The rendering (`trinoOAuth2Properties`, `TrinoOAuth2Spec`, `issuerUrl`, `gatewayAuthYaml`'s
// errors) needs no Keycloak. Without the variables the Keycloak suite fails, unless
// TP_SKIP_SERVICES names `keycloak`, which skips it.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, test } from 'node:test'
import { format, inspect } from 'node:util'

import { parse } from 'yaml'

import { Gateway, KeycloakAdmin, OAuthClientSpec, Secret, TrinoOAuth2Spec, gatewayAuthYaml, issuerUrl, trinoOAuth2Properties } from '../index.js'
import { clientCredentials, keycloak, tokenRequest, uniqueRealm } from './support/keycloak.mjs'
import { rejectsCode, throwsCode } from './support/routing-cases.mjs'

const clientSpec = (realm, clientId = 'trino', extra = {}) => ({
  realm,
  clientId,
  externalUrl: 'https://trino.example.com/',
  ensureRealm: true,
  ...extra,
})

/** Asserts that no text in `texts` holds any of `secrets`. */
function noSecretIn(texts, ...secrets) {
  for (const text of texts) for (const secret of secrets) assert.ok(!text.includes(secret), `a secret is shown in: ${text}`)
}

const service = keycloak()
describe('KeycloakAdmin against Keycloak', { skip: service.skip }, () => {
  let kc
  let admin
  const realms = []
  /** A realm name for this test, deleted after it (whoever created it). */
  const freshRealm = () => {
    const realm = uniqueRealm()
    realms.push(realm)
    return realm
  }
  before(async () => {
    kc = service.server.connect()
    admin = await KeycloakAdmin.connect({ url: kc.url, username: kc.username, password: kc.password })
  })
  afterEach(async () => {
    for (const realm of realms.splice(0)) await admin.deleteRealm(realm)
  })

  test('ensureClient twice changes nothing the second time, from an object or an OAuthClientSpec', async () => {
    const realm = freshRealm()
    const spec = clientSpec(realm, 'trino', { serviceAccounts: true })
    const first = await admin.ensureClient(spec)
    assert.deepStrictEqual([first.realm, first.clientId, first.created, first.changed], [realm, 'trino', true, true])
    assert.ok(first.changes.includes('realm') && first.changes.includes('created'), first.changes.join())
    const second = await admin.ensureClient(OAuthClientSpec.fromObject(spec))
    assert.deepStrictEqual([second.created, second.changed, second.changes], [false, false, []])
    assert.equal(second.id, first.id)
    assert.ok(second.secret instanceof Secret && second.secret.equals(first.secret))
    assert.equal((await admin.clientSecret(realm, 'trino')).reveal(), first.secret.reveal())
    // The secret works at the realm's token endpoint: the client is what Keycloak holds.
    const { status, body } = await clientCredentials(kc.url, realm, 'trino', first.secret.reveal())
    assert.equal(status, 200, JSON.stringify(body))
    assert.equal(body.token_type.toLowerCase(), 'bearer')
    // A change to the spec is applied, and only that (here from YAML text).
    const yaml = `realm: ${realm}\nclientId: trino\nexternalUrl: https://trino.example.com/\nserviceAccounts: true\nextraRedirectUris: [https://other.example.com/oauth2/callback]\n`
    const third = await admin.ensureClient(OAuthClientSpec.fromYaml(yaml))
    assert.deepStrictEqual([third.created, third.changes], [false, ['redirectUris']])
  })

  test('a rotated secret makes the token endpoint refuse the old one; the service account logs in with the new one', async () => {
    const realm = freshRealm()
    const old = (await admin.ensureClient(clientSpec(realm, 'superset', { serviceAccounts: true }))).secret.reveal()
    assert.equal((await clientCredentials(kc.url, realm, 'superset', old)).status, 200)
    const rotated = await admin.rotateSecret(realm, 'superset')
    assert.deepStrictEqual([rotated.realm, rotated.clientId], [realm, 'superset'])
    assert.ok(rotated.secret instanceof Secret)
    assert.notEqual(rotated.secret.reveal(), old)
    const refused = await clientCredentials(kc.url, realm, 'superset', old)
    assert.equal(refused.status, 401)
    assert.ok(['unauthorized_client', 'invalid_client'].includes(refused.body.error), JSON.stringify(refused.body))
    assert.equal((await clientCredentials(kc.url, realm, 'superset', rotated.secret.reveal())).status, 200)
    assert.ok((await admin.clientSecret(realm, 'superset')).equals(rotated.secret))
    await rejectsCode(admin.rotateSecret(realm, 'no-such-client'), 'NotFound')
    // The client-credentials grant of KeycloakAdmin.connect: the old secret is refused.
    const login = { url: kc.url, authRealm: realm, clientId: 'superset' }
    const err = await rejectsCode(KeycloakAdmin.connect({ ...login, clientSecret: old }), 'Unauthorized')
    noSecretIn([err.message], old)
    const serviceAccount = await KeycloakAdmin.connect({ ...login, clientSecret: rotated.secret.reveal() })
    assert.equal(serviceAccount.url, `${kc.url}/`)
  })

  test('clients and realms are deleted, once', async () => {
    const realm = freshRealm()
    await admin.ensureClient(clientSpec(realm))
    assert.equal(await admin.deleteClient(realm, 'trino'), true)
    assert.equal(await admin.deleteClient(realm, 'trino'), false, 'already gone')
    await rejectsCode(admin.clientSecret(realm, 'trino'), 'NotFound')
    assert.equal(await admin.deleteRealm(realm), true)
    assert.equal(await admin.deleteRealm(realm), false, 'already gone')
    await rejectsCode(admin.ensureClient(clientSpec(realm, 'trino', { ensureRealm: false })), 'NotFound')
  })

  test('realms, users and groups are ensured by name; a user logs in with the spec\'s password', async () => {
    const realm = freshRealm()
    assert.equal(await admin.ensureRealm(realm, { displayName: 'Node.js tests' }), true)
    assert.equal(await admin.ensureRealm(realm, { displayName: 'Node.js tests' }), false)
    const alice = {
      username: 'alice',
      email: 'alice@example.com',
      firstName: 'Alice',
      lastName: 'Analyst',
      password: 'alice-Passw0rd-1',
      groups: ['analysts', 'etl'],
    }
    const created = await admin.ensureUser(realm, alice)
    assert.deepStrictEqual([created.username, created.created, created.changes], ['alice', true, ['created', 'group analysts', 'group etl']])
    assert.deepStrictEqual((await admin.ensureUser(realm, alice)).changes, [])
    assert.deepStrictEqual((await admin.ensureUser(realm, { ...alice, lastName: 'Architect' })).changes, ['lastName'])
    const group = await admin.ensureGroup(realm, 'analysts')
    assert.deepStrictEqual([group.name, group.created], ['analysts', false])
    assert.equal((await admin.ensureGroup(realm, 'ops')).created, true)
    // The password grant on a client allowing it: Keycloak accepts the spec's password.
    await admin.ensureClient(clientSpec(realm, 'cli', { directAccessGrants: true }))
    const secret = (await admin.clientSecret(realm, 'cli')).reveal()
    const form = { grant_type: 'password', client_id: 'cli', client_secret: secret, username: 'alice' }
    assert.equal((await tokenRequest(kc.url, realm, { ...form, password: 'alice-Passw0rd-1' })).status, 200)
    const refused = await tokenRequest(kc.url, realm, { ...form, password: 'wrong' })
    assert.deepStrictEqual([refused.status, refused.body.error], [400, 'invalid_grant'])
    const typo = await rejectsCode(admin.ensureUser(realm, { username: 'bob', passwrd: 'bob-Passw0rd-1' }), 'InvalidInput')
    assert.match(typo.message, /invalid user spec: passwrd: unknown field `passwrd`/)
    const shape = await rejectsCode(admin.ensureUser(realm, { username: 'bob', password: ['bob-Passw0rd-1'] }), 'InvalidInput')
    noSecretIn([typo.message, shape.message], 'bob-Passw0rd-1')
  })

  test('Keycloak\'s refusals carry their codes: AlreadyExists, Conflict, Forbidden', async () => {
    const realm = freshRealm()
    await admin.ensureRealm(realm)
    const person = (username, email) => ({ username, email, firstName: username, lastName: 'Test', password: `${username}-Passw0rd-1` })
    await admin.ensureUser(realm, person('alice', 'alice@example.com'))
    await admin.ensureUser(realm, person('carol', 'carol@example.com'))
    // Creating a user with a taken e-mail: Keycloak's 409 on create.
    const taken = await rejectsCode(admin.ensureUser(realm, person('bob', 'alice@example.com')), 'AlreadyExists')
    assert.match(taken.message, /same email/)
    // Changing a user to a taken e-mail: Keycloak's 409 on update.
    await rejectsCode(admin.ensureUser(realm, person('carol', 'alice@example.com')), 'Conflict')
    // A realm user without admin roles may log in (through the realm's admin-cli), not administer.
    const alice = await KeycloakAdmin.connect({ url: kc.url, authRealm: realm, username: 'alice', password: 'alice-Passw0rd-1' })
    await rejectsCode(alice.ensureGroup(realm, 'ops'), 'Forbidden')
    await rejectsCode(alice.ensureRealm(`${realm}-other`), 'Forbidden')
  })

  test('wrong admin credentials are Unauthorized and not shown; an unknown login realm is NotFound', async () => {
    const wrong = 'not-the-Passw0rd-4f2a'
    const err = await rejectsCode(KeycloakAdmin.connect({ url: kc.url, username: kc.username, password: wrong }), 'Unauthorized')
    assert.match(err.message, /rejected the admin credentials/)
    noSecretIn([err.message], wrong)
    await rejectsCode(KeycloakAdmin.connect({ url: kc.url, username: kc.username, password: kc.password, authRealm: 'tp-node-no-such-realm' }), 'NotFound')
  })

  test('no message holds the spec\'s secret, wherever it was put', async () => {
    const realm = freshRealm()
    const fixed = 'spec-Secret-7f3a9c'
    const ensured = await admin.ensureClient(clientSpec(realm, 'trino', { secret: fixed, serviceAccounts: true }))
    assert.deepStrictEqual([ensured.changes, ensured.secret.reveal()], [['realm', 'created'], fixed])
    // Printed, serialised or formatted, the result shows no secret.
    const rotated = await admin.rotateSecret(realm, 'trino')
    const printed = [inspect(ensured), inspect(rotated, { depth: 5 }), JSON.stringify(ensured), JSON.stringify(rotated), `${ensured.secret}`, format('%s %o %j', rotated.secret, rotated, ensured)]
    noSecretIn(printed, fixed, rotated.secret.reveal())
    assert.match(inspect(ensured), /secret: \[Secret: \*\*\*\]/)
    assert.equal(JSON.parse(JSON.stringify(rotated)).secret, '***')
    const texts = []
    for (const bad of [
      clientSpec(realm, 'trino', { secret: fixed, colour: 'red' }), // an unknown key, next to the secret
      clientSpec(realm, 'trino', { secret: [fixed] }), // the secret in the wrong shape
      clientSpec(realm, 'trino', { secret: fixed, pkce: fixed }), // the secret in the wrong field
      { ...clientSpec(realm, 'trino', { secret: fixed }), externalUrl: 'ftp://x' },
    ]) {
      texts.push((await rejectsCode(admin.ensureClient(bad), 'InvalidInput')).message)
      texts.push(throwsCode(() => OAuthClientSpec.fromObject(bad), 'InvalidInput').message)
    }
    assert.match(texts[4], /pkce: invalid type: string "\*\*\*", expected a boolean/)
    noSecretIn(texts, fixed, rotated.secret.reveal())
  })
})

describe('KeycloakAdmin without Keycloak', () => {
  test('a Secret shows *** printed, formatted, serialised or converted; reveal() gives the value', () => {
    const secret = new Secret('Client-secret-3e8b')
    const result = { clientId: 'trino', secret, nested: { list: [secret] } }
    const shown = [inspect(result, { depth: 5 }), inspect(secret, { showHidden: true }), format('%s %o %O %j', secret, result, result, result), `${secret}`, String(secret), '' + secret, JSON.stringify(result)]
    noSecretIn(shown, 'Client-secret-3e8b')
    assert.deepStrictEqual([inspect(secret), String(secret), JSON.stringify(result)], ['[Secret: ***]', '***', '{"clientId":"trino","secret":"***","nested":{"list":["***"]}}'])
    assert.deepStrictEqual([Object.keys(secret), secret.reveal()], [[], 'Client-secret-3e8b'])
    assert.ok(secret.equals(new Secret('Client-secret-3e8b')) && !secret.equals(new Secret('other')))
  })

  test('Unavailable when nothing listens, without the password', async () => {
    const err = await rejectsCode(KeycloakAdmin.connect({ url: 'http://127.0.0.1:1', username: 'admin', password: 'Unreachable-pw-9' }), 'Unavailable')
    assert.match(err.message, /http:\/\/127\.0\.0\.1:1/)
    noSecretIn([err.message], 'Unreachable-pw-9')
  })

  test('Timeout when Keycloak accepts but never answers', async () => {
    const sockets = new Set()
    const silent = createServer((socket) => sockets.add(socket))
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${silent.address().port}`
      await rejectsCode(KeycloakAdmin.connect({ url, username: 'admin', password: 'pw', timeout: '1s' }), 'Timeout')
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  for (const options of [
    {},
    { username: 'admin' },
    { password: 'Pw-only-1' },
    { username: 'admin', password: 'Pw-only-1', clientSecret: 'Cs-only-1' },
  ]) {
    test(`connect needs one kind of credentials: ${Object.keys(options).join(', ') || 'none'}`, async () => {
      const err = await rejectsCode(KeycloakAdmin.connect({ url: 'http://127.0.0.1:1', ...options }), 'InvalidInput')
      assert.match(err.message, /give username and password .* or clientId and clientSecret/)
      noSecretIn([err.message], 'Pw-only-1', 'Cs-only-1')
    })
  }

  test('connect needs the clientId of a clientSecret', async () => {
    const err = await rejectsCode(KeycloakAdmin.connect({ url: 'http://127.0.0.1:1', clientSecret: 'Cs-only-1' }), 'InvalidInput')
    assert.match(err.message, /clientSecret needs the clientId/)
    noSecretIn([err.message], 'Cs-only-1')
  })

  test('bad connection settings are InvalidInput, without the password', async () => {
    for (const url of ['ftp://kc', 'kc.example.com', 'http://admin:Pw-in-url-7@kc']) {
      const err = await rejectsCode(KeycloakAdmin.connect({ url, username: 'admin', password: 'pw' }), 'InvalidInput')
      noSecretIn([err.message], 'Pw-in-url-7')
    }
    const err = await rejectsCode(KeycloakAdmin.connect({ url: 'http://kc', username: 'admin', password: 'Pw-1', timeout: 'soon' }), 'InvalidInput')
    assert.match(err.message, /timeout/)
  })
})

describe('the coordinator\'s and the gateway\'s OAuth2 configuration (no network)', () => {
  const spec = { issuer: 'https://kc.example.com/realms/platform', clientId: 'trino', refreshTokens: true }

  test('trinoOAuth2Properties follows the Trino version', () => {
    const text = trinoOAuth2Properties(spec, 480)
    const lines = text.trimEnd().split('\n')
    const keys = lines.map((line) => line.split('=', 1)[0])
    assert.deepStrictEqual(keys, [...keys].sort(), 'sorted by key')
    assert.ok(lines.includes('http-server.authentication.oauth2.client-secret=${ENV:TRINO_OAUTH2_CLIENT_SECRET}'), text)
    assert.ok(lines.includes('http-server.authentication.oauth2.issuer=https://kc.example.com/realms/platform'), text)
    assert.ok(lines.includes('http-server.authentication.oauth2.refresh-tokens=true'), text)
    assert.doesNotMatch(text, /groups-field/, 'removed in Trino 480')
    assert.match(trinoOAuth2Properties(spec, 476), /deprecated\.http-server\.authentication\.oauth2\.groups-field=groups/)
    // The argument replaces the spec's own version; a TrinoOAuth2Spec renders the same.
    assert.equal(trinoOAuth2Properties({ ...spec, trinoVersion: 476 }, 480), text)
    const fromYaml = TrinoOAuth2Spec.fromYaml('trinoVersion: 480\nissuer: https://kc.example.com/realms/platform\nclientId: trino\nrefreshTokens: true\n')
    assert.deepStrictEqual([fromYaml.trinoVersion, fromYaml.issuer, fromYaml.clientId], [480, spec.issuer, 'trino'])
    assert.equal(trinoOAuth2Properties(fromYaml), text)
    assert.equal(trinoOAuth2Properties(TrinoOAuth2Spec.fromObject({ ...spec, trinoVersion: 476 }), 480), text)
    assert.match(trinoOAuth2Properties(fromYaml, 476), /groups-field=groups/)
  })

  test('trinoOAuth2Properties and TrinoOAuth2Spec throw InvalidInput naming the field', () => {
    assert.match(throwsCode(() => trinoOAuth2Properties(spec, 435), 'InvalidInput').message, /Trino version 435/)
    assert.match(throwsCode(() => trinoOAuth2Properties(spec), 'InvalidInput').message, /trinoVersion/)
    assert.match(throwsCode(() => trinoOAuth2Properties({ ...spec, scopes: 'openid' }, 480), 'InvalidInput').message, /Trino OAuth2 spec: scopes: invalid type/)
    assert.match(throwsCode(() => trinoOAuth2Properties({ issuer: 'https://kc/realms/r' }, 480), 'InvalidInput').message, /clientId/)
    assert.match(throwsCode(() => TrinoOAuth2Spec.fromObject(spec), 'InvalidInput').message, /trinoVersion/)
    assert.match(throwsCode(() => TrinoOAuth2Spec.fromYaml('trinoVersion: 480\nissuer: x\nclientId: trino\n'), 'InvalidInput').message, /issuer/)
    assert.match(throwsCode(() => trinoOAuth2Properties(TrinoOAuth2Spec.fromObject({ ...spec, trinoVersion: 480 }), 400), 'InvalidInput').message, /Trino version 400/)
  })

  test('issuerUrl and gatewayAuthYaml render without a network', () => {
    const issuer = issuerUrl('https://kc.example.com/', 'platform')
    assert.equal(issuer, 'https://kc.example.com/realms/platform')
    const client = { realm: 'platform', clientId: 'trino', externalUrl: 'https://trino.example.com', groupsClaim: 'roles' }
    const { auth } = parse(gatewayAuthYaml(issuer, client, { required: true, impersonators: ['service-account-superset'] }))
    assert.equal(auth.required, true)
    assert.deepStrictEqual(auth.impersonators, ['service-account-superset'])
    assert.deepStrictEqual([auth.oidc.issuer, auth.oidc.clientId, auth.oidc.groupsClaim], [issuer, 'trino', 'roles'])
    assert.equal(parse(gatewayAuthYaml(issuer, OAuthClientSpec.fromObject(client))).auth.required, false)
    throwsCode(() => issuerUrl('kc', 'platform'), 'InvalidInput')
    throwsCode(() => issuerUrl('https://kc', 'a/b'), 'InvalidInput')
    assert.match(throwsCode(() => gatewayAuthYaml(issuer, client, { impersonators: [' padded '] }), 'InvalidInput').message, /impersonators/)
    assert.match(throwsCode(() => gatewayAuthYaml(issuer, { ...client, externalUrl: 'ftp://x' }), 'InvalidInput').message, /externalUrl/)
    const spec = OAuthClientSpec.fromYaml('realm: platform\nclientId: trino\nexternalUrl: https://trino.example.com\n')
    assert.deepStrictEqual([spec.realm, spec.clientId, spec.externalUrl], ['platform', 'trino', 'https://trino.example.com'])
  })
})

describe('the gateway accepts the tokens of the client it was configured for by gatewayAuthYaml', { skip: service.skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-node-keycloak-'))
  let kc
  let admin
  let realm
  let gateway
  before(async () => {
    kc = service.server.connect()
    admin = await KeycloakAdmin.connect({ url: kc.url, username: kc.username, password: kc.password })
    realm = uniqueRealm()
  })
  after(async () => {
    await gateway?.stop()
    await admin?.deleteRealm(realm)
    rmSync(dir, { recursive: true, force: true })
  })

  test('no token: 401; Keycloak\'s token: past authentication (503: no cluster behind it)', async () => {
    const client = OAuthClientSpec.fromObject(clientSpec(realm, 'trino', { serviceAccounts: true }))
    const secret = (await admin.ensureClient(client)).secret.reveal()
    const auth = gatewayAuthYaml(issuerUrl(kc.url, realm), client, { required: true })
    gateway = await Gateway.start({
      config: `listen: {http: '127.0.0.1:0'}\nstore: sqlite://${join(dir, 'gateway.db')}\n${auth}`,
    })
    const info = (headers) => fetch(`${gateway.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'X-Trino-User': 'service-account-trino', ...headers } })
    assert.equal((await info({})).status, 401)
    assert.equal((await info({ Authorization: 'Bearer not-a-token' })).status, 401)
    const { status, body } = await clientCredentials(kc.url, realm, 'trino', secret)
    assert.equal(status, 200, JSON.stringify(body))
    const accepted = await info({ Authorization: `Bearer ${body.access_token}` })
    assert.equal(accepted.status, 503, await accepted.text())
  })
})
