// A tenant's bundles end to end from Node.js: `plan` → `apply` → `plan` (no change) → `delete`,
// against the harness's real services (the exchange bucket on its S3 server, moto, at
// TP_TEST_S3_ENDPOINT; the OAuth client in its Keycloak, TP_TEST_KEYCLOAK_*; the cluster
// registry on its PostgreSQL, TP_TEST_POSTGRES_URL) and against two fakes of what cannot run
// here, both following the real APIs: Kubernetes, the core tests' API server fake served over
// HTTP by `tp-load kube-fake` and reached through its kubeconfig (support/kube.mjs), and Ranger
// Admin (support/ranger-admin.mjs). Each test works in a workspace, a realm and a database of
// its own, and removes them.
//
// Shown: the plan lists what apply then does, and writes nothing; progress events arrive, on
// the JavaScript thread, before the Promise settles, and their finished steps are the report's
// (a callback that throws becomes a warning and the run goes on);
// each system holds what the tenant says (read back through S3, Keycloak, the store and the
// fakes); a second apply changes nothing; delete removes it all, and a second delete nothing;
// a tenant needing an unset variable is refused with InvalidInput naming it before anything is
// written; a failed step names what was done before it; no secret appears in a message, a
// report, a progress event or inspect output.
//
// Without the services the suite fails, unless TP_SKIP_SERVICES names `s3`, `keycloak` or
// `postgres`, which skips it.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, test } from 'node:test'
import { inspect } from 'node:util'

import { ClusterStore, KeycloakAdmin, Targets, TenantSpec } from '../index.js'
import { keycloak, tokenRequest, uniqueRealm } from './support/keycloak.mjs'
import { startKubeFake } from './support/kube.mjs'
import { ADMIN as RANGER_ADMIN, RangerAdminFake } from './support/ranger-admin.mjs'
import { rejectsCode } from './support/routing-cases.mjs'
import { s3Service, uniqueWorkspace } from './support/s3.mjs'
import { postgres } from './support/stores.mjs'

/** The variable the tenants name for Ranger Admin's password. */
const RANGER_PASSWORD_ENV = `TP_NODE_BUNDLE_RANGER_PASSWORD_${process.pid}`

/** Asserts that no text in `texts` holds any of `secrets`. */
function noSecretIn(texts, ...secrets) {
  for (const text of texts) for (const secret of secrets) assert.ok(!text.includes(secret), `a secret is shown in: ${text.slice(0, 2000)}`)
}

/** `system target` → outcome, of a report. */
const outcomes = (report) => Object.fromEntries(report.steps.map((s) => [`${s.system} ${s.target}`, s.outcome]))
/** The steps of a report that change something. */
const changes = (report) => report.steps.filter((s) => ['created', 'updated', 'deleted'].includes(s.outcome)).map((s) => `${s.system} ${s.target} ${s.outcome}`)

const s3 = s3Service()
const kc = keycloak()
const pg = postgres()
describe('tenant bundles against S3, Keycloak, PostgreSQL and the Kubernetes and Ranger Admin fakes', { skip: s3.skip ?? kc.skip ?? pg.skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-node-bundle-apply-'))
  const ranger = new RangerAdminFake()
  let kube
  let bucketsClient
  let keycloakServer
  let admin
  let databases
  const realms = []
  const stores = []

  before(async () => {
    bucketsClient = s3.connect()
    keycloakServer = kc.server.connect()
    databases = pg.server.connect()
    admin = await KeycloakAdmin.connect({ url: keycloakServer.url, username: keycloakServer.username, password: keycloakServer.password })
    await ranger.start()
    kube = await startKubeFake(join(dir, 'kubeconfig'))
    process.env[RANGER_PASSWORD_ENV] = RANGER_ADMIN.password
  })
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close()
    for (const realm of realms.splice(0)) await admin.deleteRealm(realm)
  })
  after(async () => {
    await kube?.stop()
    await ranger.stop()
    await bucketsClient?.cleanup()
    databases?.dropAll()
    rmSync(dir, { recursive: true, force: true })
  })

  /**
   * A fresh world for one test: a workspace, a realm, a store database (named by the tenant's
   * `storeEnv` variable, which is set) and the tenant file for them; Keycloak's admin password
   * from the variable `keycloakPasswordEnv`.
   */
  function world(tag, { keycloakPasswordEnv = 'TP_TEST_KEYCLOAK_ADMIN_PASSWORD' } = {}) {
    const workspace = uniqueWorkspace(tag)
    const realm = uniqueRealm()
    realms.push(realm)
    const storeEnv = `TP_NODE_BUNDLE_STORE_${workspace.replace(/-/g, '_').toUpperCase()}`
    const storeUrl = databases.freshUrl()
    process.env[storeEnv] = storeUrl
    bucketsClient.track(`trino-exchange-${workspace}`)
    const service = workspace.replace(/-/g, '_')
    const yaml = `
workspace: ${workspace}
labels: {team: platform-tests}
platform:
  gateway:
    externalUrl: https://${workspace}.trino.example.com
    rules: |
      rules:
        - {name: etl, when: {source: {equals: airflow}}, routingGroup: etl}
  exchange: {region: us-east-1, endpoint: '${s3.endpoint}', pathStyle: true, requireTls: false}
  keycloak:
    url: ${keycloakServer.url}
    credentials: {grant: password, username: ${keycloakServer.username}, passwordEnv: ${keycloakPasswordEnv}}
    client: {realm: ${realm}, clientId: trino, ensureRealm: true}
  ranger: {url: '${ranger.url}', username: admin, passwordEnv: ${RANGER_PASSWORD_ENV}}
  registry: {storeEnv: ${storeEnv}}
clusters:
  - name: etl
    routingGroup: etl
    coordinator: {resources: {cpu: 1, memory: 2Gi}}
    workers: {replicas: 2, resources: {cpu: 1, memory: 2Gi}}
    catalogs:
      - {name: delta, deltaLake: {metastoreUri: 'thrift://hms:9083', s3: {region: us-east-1}}}
    ranger:
      serviceName: ${service}
      adminUrls: [http://ranger-admin.ranger:6080]
      downloadAuth: {username: trino, password: {env: RANGER_DOWNLOAD_PASSWORD}}
    rangerPolicies:
      - name: analysts read delta
        resources: {catalog: [delta], schema: ['*'], table: ['*'], column: ['*']}
        allow: [{groups: [analysts], accesses: [select]}]
    secrets: {RANGER_DOWNLOAD_PASSWORD: generate}
`
    return { workspace, realm, storeUrl, service, namespace: `trino-${workspace}`, bucket: `trino-exchange-${workspace}`, yaml }
  }

  /** The targets: the fake through its kubeconfig, polled often, retried fast. */
  const targets = (tenant, options = {}) =>
    Targets.connect(tenant, { kubeconfig: kube.kubeconfig, attempts: 3, backoffMs: 1, pollIntervalMs: 5, waitTimeoutMs: 30_000, ...options })

  /** GET of a Kubernetes API path on the fake (as kubectl would): `{ status, body }`. */
  async function kubeGet(path) {
    const response = await fetch(`${kube.url}${path}`)
    return { status: response.status, body: await response.json() }
  }

  /** The names of the Namespaces the fake holds. */
  const namespaces = async () => (await kubeGet('/api/v1/namespaces')).body.items.map((n) => n.metadata.name)

  test('plan, apply with progress, a second apply and plan that change nothing, delete', async () => {
    const w = world('e2e')
    const tenant = TenantSpec.fromYaml(w.yaml)
    const to = await targets(tenant)

    // The plan: everything is to be created, and nothing is written.
    const plan = await tenant.plan(to)
    assert.equal(plan.changed, true)
    const planned = outcomes(plan)
    assert.equal(planned[`s3 bucket ${w.bucket}`], 'created')
    assert.equal(planned[`keycloak client ${w.realm}/trino`], 'created')
    assert.equal(planned[`ranger service ${w.service}`], 'created')
    assert.equal(planned[`ranger policy ${w.service}/analysts read delta`], 'created')
    assert.equal(planned['registry cluster etl'], 'created')
    const kubeSteps = plan.steps.filter((s) => s.system === 'kubernetes')
    assert.equal(kubeSteps.length, tenant.manifests().length)
    assert.ok(kubeSteps.every((s) => s.outcome === 'created'), JSON.stringify(kubeSteps))
    assert.deepStrictEqual(new Set(plan.steps.map((s) => s.system)), new Set(['s3', 'keycloak', 'ranger', 'kubernetes', 'registry']))
    assert.equal(await bucketsClient.exists(w.bucket), false, 'a plan creates no bucket')
    assert.ok(!(await namespaces()).includes(w.namespace), 'a plan writes nothing to Kubernetes')
    assert.equal(ranger.writes, 0, 'a plan writes nothing to Ranger')
    // A cluster bundle on its own needs the platform's namespace first.
    const early = await rejectsCode(tenant.clusterBundle('etl').plan(to), 'NotFound')
    assert.match(early.message, new RegExp(`namespace ${w.namespace} does not exist: apply the platform bundle first`))

    // Apply, with progress.
    const events = []
    let settled = false
    const applied = await tenant.apply(to, {
      onProgress: (event) => {
        assert.equal(settled, false, 'an event after the Promise settled')
        events.push(event)
      },
    })
    settled = true
    assert.deepStrictEqual(outcomes(applied), planned, 'apply did what the plan said')
    assert.equal(applied.changed, true)
    assert.deepStrictEqual(events.filter((e) => e.step).map((e) => e.step), applied.steps, 'the finished steps are the report\'s, in order')
    assert.ok(events.every((e) => ['s3', 'keycloak', 'ranger', 'kubernetes', 'registry'].includes(e.system) && typeof e.message === 'string'))
    assert.ok(events.some((e) => !e.step && e.message === `ensuring bucket ${w.bucket}`), events.map((e) => e.message).join('\n'))
    assert.ok(events.some((e) => !e.step && /^Deployment .*: ready$/.test(e.message)), events.map((e) => e.message).join('\n'))
    assert.ok(events.some((e) => e.step && e.message === 'cluster etl created'))

    // Each system holds what the tenant says, read back through its own API.
    assert.equal(await bucketsClient.exists(w.bucket), true)
    const secret = await admin.clientSecret(w.realm, 'trino')
    const stored = (await kubeGet(`/api/v1/namespaces/${w.namespace}/secrets/trino-etl`)).body
    assert.equal(Buffer.from(stored.data.TRINO_OAUTH2_CLIENT_SECRET, 'base64').toString('utf8'), secret.reveal(), 'the coordinator gets Keycloak\'s client secret')
    const worker = (await kubeGet(`/apis/apps/v1/namespaces/${w.namespace}/deployments/trino-etl-worker`)).body
    assert.deepStrictEqual([worker.spec.replicas, worker.status.readyReplicas, worker.metadata.labels.team], [2, 2, 'platform-tests'])
    assert.ok(ranger.services.some((s) => s.name === w.service))
    assert.ok(ranger.policies.some((p) => p.name === 'analysts read delta' && p.service === w.service))
    const store = await ClusterStore.open(w.storeUrl)
    stores.push(store)
    assert.deepStrictEqual(await store.get('etl'), {
      name: 'etl',
      proxyTo: `http://trino-etl.${w.namespace}.svc:8080`,
      externalUrl: `https://${w.workspace}.trino.example.com`,
      routingGroup: 'etl',
      active: true,
    })

    // A second apply changes nothing, and writes nothing to Ranger; nor does a plan find
    // anything to do, for the tenant or either bundle.
    // (Its onProgress throws: each exception becomes a warning, and the run goes on.)
    const rangerWrites = ranger.writes
    const warnings = []
    const onWarning = (warning) => warning.name === 'TrinoPlatformWarning' && warnings.push(warning)
    process.on('warning', onWarning)
    let calls = 0
    const boom = new Error('boom from onProgress')
    let again
    try {
      again = await tenant.apply(to, {
        onProgress: () => {
          calls += 1
          throw boom
        },
      })
      await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning)
    }
    assert.ok(calls > again.steps.length, `${calls} events`)
    assert.equal(warnings.length, calls)
    assert.match(warnings[0].message, /onProgress callback of TenantSpec\.apply threw/)
    assert.equal(warnings[0].cause, boom)
    assert.deepStrictEqual([again.changed, changes(again)], [false, []])
    assert.ok(again.steps.every((s) => s.outcome === 'unchanged'))
    assert.equal(ranger.writes, rangerWrites, 'the second apply wrote to Ranger')
    assert.deepStrictEqual(changes(await tenant.plan(to)), [])
    assert.deepStrictEqual(changes(await tenant.platform().plan(to)), [])
    assert.deepStrictEqual(changes(await tenant.clusterBundle('etl').plan(to)), [])

    // A changed tenant: the plan names the field that differs, and applying it the same.
    const grown = TenantSpec.fromYaml(w.yaml.replace('replicas: 2', 'replicas: 3'))
    const growth = await grown.clusterBundle('etl').plan(to)
    const updated = growth.steps.filter((s) => s.outcome !== 'unchanged')
    assert.deepStrictEqual(updated, [{ system: 'kubernetes', target: `Deployment ${w.namespace}/trino-etl-worker`, outcome: 'updated', details: ['spec.replicas'] }])
    assert.deepStrictEqual(changes(await grown.clusterBundle('etl').apply(to)), [`kubernetes Deployment ${w.namespace}/trino-etl-worker updated`])

    // Delete: everything goes, with progress; a second delete finds nothing.
    const deleting = []
    const deleted = await grown.delete(to, { onProgress: (event) => deleting.push(event) })
    const gone = outcomes(deleted)
    assert.equal(gone['registry cluster etl'], 'deleted')
    assert.equal(gone[`s3 bucket ${w.bucket}`], 'deleted')
    assert.equal(gone[`keycloak client ${w.realm}/trino`], 'deleted')
    assert.equal(gone[`ranger service ${w.service}`], 'deleted')
    assert.equal(gone[`kubernetes Namespace ${w.namespace}`], 'deleted')
    assert.deepStrictEqual(deleting.filter((e) => e.step).map((e) => e.step), deleted.steps)
    assert.equal(await bucketsClient.exists(w.bucket), false)
    // The namespace was terminating (its finalizer); gone once the namespace controller ran,
    // which the fake does at the next read of it.
    assert.equal((await kubeGet(`/api/v1/namespaces/${w.namespace}`)).status, 404)
    assert.ok(!(await namespaces()).includes(w.namespace))
    await rejectsCode(store.get('etl'), 'NotFound')
    await rejectsCode(admin.clientSecret(w.realm, 'trino'), 'NotFound')
    const twice = await grown.delete(to)
    assert.deepStrictEqual([twice.changed, changes(twice)], [false, []])
  })

  test('a tenant needing an unset variable is refused with InvalidInput naming it, before anything is written', async () => {
    const unset = `TP_NODE_BUNDLE_UNSET_${process.pid}`
    const w = world('unset', { keycloakPasswordEnv: `${unset}_KC` })
    const tenant = TenantSpec.fromYaml(w.yaml.replace('secrets: {RANGER_DOWNLOAD_PASSWORD: generate}', `secrets: {RANGER_DOWNLOAD_PASSWORD: {fromEnv: ${unset}_DL}}`))
    const to = await targets(tenant)
    const events = []
    for (const run of [
      () => tenant.apply(to, { onProgress: (e) => events.push(e) }),
      () => tenant.plan(to),
      () => tenant.platform().apply(to, { onProgress: (e) => events.push(e) }),
      () => tenant.clusterBundle('etl').apply(to, { onProgress: (e) => events.push(e) }),
    ]) {
      const err = await rejectsCode(run(), 'InvalidInput')
      assert.match(err.message, new RegExp(`${unset}_DL, ${unset}_KC`))
    }
    // delete needs only the Keycloak and Ranger Admin secrets, and checks them before deleting.
    const deleting = await rejectsCode(tenant.delete(to, { onProgress: (e) => events.push(e) }), 'InvalidInput')
    assert.match(deleting.message, new RegExp(`${unset}_KC`))
    assert.doesNotMatch(deleting.message, new RegExp(`${unset}_DL`))
    assert.deepStrictEqual(events, [], 'no step started')
    assert.equal(await bucketsClient.exists(w.bucket), false)
    assert.ok(!(await namespaces()).includes(w.namespace))
    assert.equal((await tokenRequest(keycloakServer.url, w.realm, { grant_type: 'client_credentials', client_id: 'trino' })).status, 404, 'no realm was created')
    assert.ok(!ranger.services.some((s) => s.name === w.service))
    const store = await ClusterStore.open(w.storeUrl)
    stores.push(store)
    assert.deepStrictEqual(await store.list(), [])
  })

  test('a failed step names what was done before it, and a rerun finishes; no secret in any message, report, event or inspect output', async () => {
    const w = world('secret')
    const tenant = TenantSpec.fromYaml(w.yaml)
    // The registry as an open ClusterStore, and Ranger Admin refusing a wrong password: the
    // platform bundle is applied, then the cluster's first step fails.
    const store = await ClusterStore.open(w.storeUrl)
    stores.push(store)
    const to = await targets(tenant, { registry: store })
    const wrong = 'Wrong-Ranger-Pw-6d2e'
    process.env[RANGER_PASSWORD_ENV] = wrong
    const texts = []
    const events = []
    try {
      const err = await rejectsCode(tenant.apply(to, { onProgress: (e) => events.push(e) }), 'Unauthorized')
      assert.match(err.message, new RegExp(`Ranger service ${w.service}`))
      assert.match(err.message, new RegExp(`done before it: bucket ${w.bucket} created, client ${w.realm}/trino created, Namespace ${w.namespace} created`))
      assert.match(err.message, /rerun to finish/)
      texts.push(err.message, inspect(err))
    } finally {
      process.env[RANGER_PASSWORD_ENV] = RANGER_ADMIN.password
    }
    const rerun = await tenant.apply(to, { onProgress: (e) => events.push(e) })
    assert.equal(outcomes(rerun)[`s3 bucket ${w.bucket}`], 'unchanged', 'the rerun keeps what the first run made')
    assert.equal(outcomes(rerun)['registry cluster etl'], 'created')
    assert.equal((await store.get('etl')).routingGroup, 'etl')
    assert.equal((await tenant.plan(to)).changed, false, 'converged')

    // A store URL's password and a wrong Keycloak admin password are never shown either.
    const storeErr = await rejectsCode(Targets.connect(tenant, { kubeconfig: kube.kubeconfig, registry: 'postgres://tp:Store-Pw-3a9c@127.0.0.1:1/none' }), 'Unavailable')
    texts.push(storeErr.message)
    const kcWrong = 'Wrong-Kc-Pw-1b7f'
    const kcEnv = `TP_NODE_BUNDLE_KC_WRONG_${process.pid}`
    process.env[kcEnv] = kcWrong
    const kcErr = await rejectsCode(TenantSpec.fromYaml(w.yaml.replace('passwordEnv: TP_TEST_KEYCLOAK_ADMIN_PASSWORD', `passwordEnv: ${kcEnv}`)).plan(to), 'Unauthorized')
    texts.push(kcErr.message)

    // The values the run handled: the OAuth client secret, the generated Secret values.
    const clientSecret = (await admin.clientSecret(w.realm, 'trino')).reveal()
    const stored = (await kubeGet(`/api/v1/namespaces/${w.namespace}/secrets/trino-etl`)).body.data
    const generated = Object.values(stored).map((value) => Buffer.from(value, 'base64').toString('utf8'))
    assert.ok(generated.every((value) => value.length >= 32), 'generated values are long enough to search for')
    texts.push(JSON.stringify(rerun), inspect(rerun, { depth: 10 }), JSON.stringify(events), inspect(events, { depth: 10 }))
    texts.push(inspect(tenant, { depth: 10 }), inspect(to, { depth: 10 }), tenant.render(), inspect(tenant.manifests(), { depth: 10 }))
    noSecretIn(texts, wrong, kcWrong, 'Store-Pw-3a9c', RANGER_ADMIN.password, clientSecret, ...generated)

    await tenant.delete(to)
    assert.equal(await bucketsClient.exists(w.bucket), false)
  })
})
