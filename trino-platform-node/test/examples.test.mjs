// The Node.js examples (examples/node at the repository root) run as their users run them, in
// a child `node` process against the harness's services: portal.mjs registers the two real
// Trino servers (TP_TEST_TRINO_URL, TP_TEST_TRINO_URL_2) in a fresh PostgreSQL database
// (TP_TEST_POSTGRES_URL) that an embedded gateway uses as its store, activates one, waits until
// the gateway routes to it, and lists both with the health the gateway's probes saw. Its tenant
// commands render the repository's example tenant (examples/tenant.yaml) without a network, as
// one YAML stream and as GitOps files, and plan a tenant against Kubernetes: the core tests'
// API server fake (no API server can run here; it follows the real API), served by `tp-load
// kube-fake` through a kubeconfig (support/kube.mjs), with the registry in an SQLite file.
//
// The example imports `trino-platform` through examples/node/node_modules (`npm ci` there,
// as scripts/test does, links this package). The cluster suite fails without the services,
// unless TP_SKIP_SERVICES names `postgres` or `trino`; the tenant suite needs only `tp-load`,
// which scripts/test builds.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { parse, parseAllDocuments } from 'yaml'

import { Gateway, TenantSpec } from '../index.js'
import { startKubeFake } from './support/kube.mjs'
import { postgres } from './support/stores.mjs'
import { trino } from './support/trino.mjs'

const examples = fileURLToPath(new URL('../../examples/node/', import.meta.url))
const portal = `${examples}portal.mjs`

/**
 * Runs `node portal.mjs ...args` with `env` over this process's environment (a variable set to
 * `undefined` is removed): resolves with its exit status, stdout and stderr.
 * @returns {Promise<{ status: number | null, stdout: string, stderr: string }>}
 */
function run(env, ...args) {
  const merged = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, value]) => value !== undefined))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [portal, ...args], { cwd: examples, env: merged })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('exit', (status) => resolve({ status, stdout, stderr }))
  })
}

const pg = postgres()
const services = trino()
describe('examples/node/portal.mjs against the gateway, its PostgreSQL store and two Trino servers', { skip: pg.skip ?? services.skip }, () => {
  const token = randomBytes(16).toString('hex')
  let databases
  let servers
  let gateway
  let env
  before(async () => {
    assert.ok(existsSync(`${examples}node_modules/trino-platform`), 'examples/node has no node_modules: run `npm ci` there (scripts/test does)')
    servers = services.servers.connect()
    databases = pg.server.connect()
    const store = databases.freshUrl()
    process.env.TP_NODE_EXAMPLE_ADMIN_TOKEN = token
    gateway = await Gateway.start({
      config: [
        "listen: {http: '127.0.0.1:0'}",
        `store: '${store}'`,
        'health: {interval: 300ms, timeout: 2s, failureThreshold: 1, successThreshold: 1}',
        "admin: {tokens: ['${ENV:TP_NODE_EXAMPLE_ADMIN_TOKEN}']}",
      ].join('\n'),
    })
    env = { PORTAL_STORE_URL: store, PORTAL_GATEWAY_URL: gateway.url, PORTAL_GATEWAY_TOKEN: token }
  })
  after(async () => {
    await gateway?.stop()
    databases?.dropAll()
  })

  test('register, refuse a taken or bad name, activate and wait, list with health', async () => {
    const [one, two] = servers
    let out = await run(env, 'register', one.name, one.url)
    assert.equal(out.status, 0, out.stderr)
    assert.match(out.stdout, new RegExp(`^registered ${one.name} \\(adhoc, active\\): ${one.url}`))
    out = await run(env, 'register', two.name, two.url, '--group', 'adhoc', '--inactive')
    assert.equal(out.status, 0, out.stderr)
    assert.match(out.stdout, /inactive/)

    out = await run(env, 'register', one.name, two.url)
    assert.deepStrictEqual([out.status, out.stderr.trim()], [1, `${one.name} is registered already; change it with the admin API`])
    out = await run(env, 'register', 'no spaces', one.url)
    assert.equal(out.status, 1)
    assert.match(out.stderr, /name/)
    out = await run(env, 'activate', 'no-such-cluster')
    assert.deepStrictEqual([out.status, out.stderr.trim()], [1, 'no cluster named no-such-cluster is registered'])

    out = await run(env, 'activate', two.name, '--wait', '30')
    assert.equal(out.status, 0, out.stderr)
    assert.equal(out.stdout.trim(), `${two.name} is active, and the gateway has it`)
    // The gateway itself now routes to both.
    assert.deepStrictEqual(
      gateway.clusters().map((v) => [v.cluster.name, v.cluster.active, v.healthy]),
      [[one.name, true, true], [two.name, true, true]],
    )

    out = await run(env, 'list', '--json')
    assert.equal(out.status, 0, out.stderr)
    const rows = JSON.parse(out.stdout)
    assert.deepStrictEqual(
      rows.map(({ name, proxyTo, routingGroup, active, health }) => ({ name, proxyTo, routingGroup, active, healthy: health?.healthy })),
      servers.map(({ name, url }) => ({ name, proxyTo: url, routingGroup: 'adhoc', active: true, healthy: true })),
    )
    for (const { health } of rows) for (const n of [health.queued, health.running, health.inFlight]) assert.ok(Number.isInteger(n) && n >= 0)

    out = await run(env, 'list')
    assert.equal(out.status, 0, out.stderr)
    const [header, ...lines] = out.stdout.trimEnd().split('\n')
    assert.match(header, /^NAME\s+GROUP\s+ACTIVE\s+HEALTH\s+QUEUED\s+RUNNING\s+PROXY$/)
    assert.deepStrictEqual(lines.map((l) => l.split(/\s+/).slice(0, 4)), servers.map(({ name }) => [name, 'adhoc', 'yes', 'healthy']))

    out = await run(env, 'deactivate', two.name)
    assert.deepStrictEqual([out.status, out.stdout.trim()], [0, `${two.name} is inactive`])
  })

  test('without the gateway, the health is unknown; a wrong token or store is refused with a message', async () => {
    let out = await run({ PORTAL_STORE_URL: env.PORTAL_STORE_URL }, 'list')
    assert.equal(out.status, 0, out.stderr)
    assert.ok(out.stdout.split('\n').slice(1).every((line) => line === '' || /\bunknown\b/.test(line)), out.stdout)
    out = await run({ ...env, PORTAL_GATEWAY_TOKEN: 'wrong' }, 'list')
    assert.equal(out.status, 1)
    assert.match(out.stderr, /admin API answered 401/)
    out = await run({ PORTAL_STORE_URL: 'postgres://portal:Portal-pw-1@127.0.0.1:1/gateway' }, 'list')
    assert.equal(out.status, 1)
    assert.match(out.stderr, /retry later/)
    assert.doesNotMatch(out.stderr, /Portal-pw-1/)
    out = await run({}, 'list')
    assert.equal(out.status, 2)
    out = await run(env, 'frobnicate')
    assert.equal(out.status, 2)
    assert.match(out.stderr, /usage:/)
  })
})

describe('examples/node/portal.mjs renders the example tenant and plans a tenant against Kubernetes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-node-portal-tenant-'))
  const exampleTenant = fileURLToPath(new URL('../../examples/tenant.yaml', import.meta.url))
  const tenantFile = join(dir, 'tenant.yaml')
  writeFileSync(
    tenantFile,
    "workspace: portal\nplatform:\n  gateway: {externalUrl: 'https://trino.portal.example.com'}\nclusters:\n  - name: etl\n    coordinator: {resources: {cpu: 1, memory: 2Gi}}\n    workers: {replicas: 2, resources: {cpu: 1, memory: 2Gi}}\n",
  )
  let kube
  before(async () => {
    kube = await startKubeFake(join(dir, 'kubeconfig'))
  })
  after(async () => {
    await kube?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('render: one YAML stream of every object, or GitOps files; no network, no secrets set', async () => {
    const unset = { KEYCLOAK_ADMIN_PASSWORD: undefined, RANGER_ADMIN_PASSWORD: undefined, RANGER_DOWNLOAD_PASSWORD: undefined }
    let out = await run(unset, 'tenant', 'render', exampleTenant)
    assert.equal(out.status, 0, out.stderr)
    const documents = parseAllDocuments(out.stdout).map((d) => d.toJS())
    const manifests = TenantSpec.load(exampleTenant).manifests()
    assert.equal(documents.length, manifests.length)
    assert.deepStrictEqual([documents[0].kind, documents[0].metadata.name], ['Namespace', 'trino-acme'])
    assert.ok(documents.filter((d) => d.kind === 'Secret').every((d) => d.data === undefined))

    out = await run(unset, 'tenant', 'render', exampleTenant, '--out', join(dir, 'gitops'))
    assert.equal(out.status, 0, out.stderr)
    const paths = out.stdout.trimEnd().split('\n')
    assert.deepStrictEqual([paths.length, paths.at(-1)], [manifests.length + 1, join(dir, 'gitops', 'kustomization.yaml')])
    assert.equal(parse(readFileSync(paths.at(-1), 'utf8')).resources.length, manifests.length)
  })

  test('plan: every object to create, the registration in the portal\'s store; nothing written', async () => {
    const storeUrl = `sqlite://${join(dir, 'store', 'gateway.db')}`
    let out = await run({ PORTAL_STORE_URL: storeUrl }, 'tenant', 'plan', tenantFile, '--kubeconfig', kube.kubeconfig)
    assert.equal(out.status, 0, out.stderr)
    const [summary, header, ...rows] = out.stdout.trimEnd().split('\n')
    assert.equal(summary, 'tenant portal (namespace trino-portal): 17 of 17 to change')
    assert.match(header, /^SYSTEM\s+OUTCOME\s+TARGET\s+DETAILS$/)
    assert.deepStrictEqual(rows.map((r) => r.split(/\s+/).slice(0, 3).join(' ')).slice(0, 2), ['kubernetes created Namespace', 'kubernetes created ServiceAccount'])
    assert.equal(rows.at(-1).split(/\s+/).join(' '), 'registry created cluster etl')

    // Planning again finds the same: the plan wrote nothing. As JSON, the BundleReport itself.
    out = await run({ PORTAL_STORE_URL: storeUrl }, 'tenant', 'plan', tenantFile, '--kubeconfig', kube.kubeconfig, '--json')
    assert.equal(out.status, 0, out.stderr)
    const report = JSON.parse(out.stdout)
    assert.equal(report.changed, true)
    assert.deepStrictEqual(new Set(report.steps.map((s) => s.outcome)), new Set(['created']))
    assert.equal(report.steps.length, 17)

    // Without a store the plan says the clusters would not be registered.
    out = await run({ PORTAL_STORE_URL: undefined, TRINO_PLATFORM_STORE: undefined }, 'tenant', 'plan', tenantFile, '--kubeconfig', kube.kubeconfig, '--json')
    assert.equal(out.status, 0, out.stderr)
    assert.deepStrictEqual(JSON.parse(out.stdout).steps.at(-1), {
      system: 'registry',
      target: 'cluster etl',
      outcome: 'unchanged',
      details: ['not registered: set TRINO_PLATFORM_STORE to the gateway\'s store URL'],
    })
  })

  test('plan refuses a tenant whose variables are unset, naming them, and a bad file or context', async () => {
    const unset = { KEYCLOAK_ADMIN_PASSWORD: undefined, RANGER_ADMIN_PASSWORD: undefined, RANGER_DOWNLOAD_PASSWORD: undefined }
    let out = await run(unset, 'tenant', 'plan', exampleTenant, '--kubeconfig', kube.kubeconfig)
    assert.equal(out.status, 1)
    assert.match(out.stderr, /set these environment variables first .*: KEYCLOAK_ADMIN_PASSWORD, RANGER_ADMIN_PASSWORD, RANGER_DOWNLOAD_PASSWORD/)
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'workspace: portal\nplatfrom: {}\n')
    out = await run({}, 'tenant', 'plan', bad, '--kubeconfig', kube.kubeconfig)
    assert.equal(out.status, 1)
    assert.match(out.stderr, /unknown field `platfrom`.*line 2/)
    out = await run({}, 'tenant', 'plan', tenantFile, '--kubeconfig', kube.kubeconfig, '--context', 'elsewhere')
    assert.equal(out.status, 1)
    assert.match(out.stderr, /elsewhere/)
    out = await run({}, 'tenant', 'apply', tenantFile)
    assert.equal(out.status, 2)
    assert.match(out.stderr, /usage:/)
  })
})
