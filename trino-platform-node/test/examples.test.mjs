// The Node.js examples (examples/node at the repository root) run as their users run them, in
// a child `node` process against the harness's services: portal.mjs registers the two real
// Trino servers (TP_TEST_TRINO_URL, TP_TEST_TRINO_URL_2) in a fresh PostgreSQL database
// (TP_TEST_POSTGRES_URL) that an embedded gateway uses as its store, activates one, waits until
// the gateway routes to it, and lists both with the health the gateway's probes saw.
//
// The example imports `trino-platform` through examples/node/node_modules (`npm ci` there,
// as scripts/test does, links this package). The suite fails without the services, unless
// TP_SKIP_SERVICES names `postgres` or `trino`.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { Gateway } from '../index.js'
import { postgres } from './support/stores.mjs'
import { trino } from './support/trino.mjs'

const examples = fileURLToPath(new URL('../../examples/node/', import.meta.url))
const portal = `${examples}portal.mjs`

/**
 * Runs `node portal.mjs ...args` with `env`: resolves with its exit status, stdout and stderr.
 * @returns {Promise<{ status: number | null, stdout: string, stderr: string }>}
 */
function run(env, ...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [portal, ...args], { cwd: examples, env: { ...process.env, ...env } })
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
