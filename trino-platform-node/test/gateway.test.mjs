// The embedded Trino Gateway (`Gateway`), driven as its users drive it: the real `trino-client`
// npm package sends queries through it to the harness's two real Trino 476 servers
// (TP_TEST_TRINO_URL, TP_TEST_TRINO_URL_2), and each Trino's own REST API (`/v1/query/{id}`,
// asked directly) says which server ran a query and in what state it is. Also: the admin API
// and its credentials, start failures and their codes, and the process lifecycle (a started
// gateway keeps Node.js alive until `stop()`).
//
// The Trino suite fails without the servers, unless TP_SKIP_SERVICES names `trino`.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { BasicAuth, Trino } from 'trino-client'
import { stringify } from 'yaml'

import { Gateway } from '../index.js'
import { rejectsCode } from './support/routing-cases.mjs'
import { listQueries, owner, queryInfo, trino } from './support/trino.mjs'

const dir = mkdtempSync(join(tmpdir(), 'tp-node-gateway-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let stores = 0
/** The URL of a new SQLite store in the temporary directory. */
const freshStore = () => `sqlite://${join(dir, `gateway-${stores++}.db`)}`

/** A gateway config (YAML text) on a free loopback port, with a fresh store; `extra` is merged in. */
const yaml = (extra = {}) => stringify({ listen: { http: '127.0.0.1:0' }, store: freshStore(), ...extra })

/** A trino-client client of the gateway at `url`, as user `test`, in `tpch.tiny`. */
const clientOf = (url) => Trino.create({ server: url, catalog: 'tpch', schema: 'tiny', auth: new BasicAuth('test') })

/** Runs `sql` to the end through `client`: its query id, every row and every result page. */
async function run(client, sql) {
  const pages = []
  for await (const page of await client.query(sql)) {
    if (page.error) throw new Error(`${sql}: ${page.error.errorName}: ${page.error.message}`)
    pages.push(page)
  }
  return { id: pages[0].id, rows: pages.flatMap((page) => page.data ?? []), pages }
}

/** Polls `probe()` every 100 ms until it returns a truthy value (returned), for `ms` at most. */
async function eventually(probe, ms, what) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const services = trino()
describe('through the gateway to two real Trino servers', { skip: services.skip }, () => {
  const token = randomBytes(16).toString('hex')
  let servers
  let gateway
  let client
  /** A request to the admin API with the admin token (none when `auth` is null). */
  const admin = (method, path, auth = `Bearer ${token}`) =>
    fetch(`${gateway.url}${path}`, { method, headers: auth ? { Authorization: auth } : {} })
  /** The server names that ran `count` new `SELECT count(*)` queries, in order. */
  const owners = async (count) => {
    const names = []
    for (let i = 0; i < count; i++) {
      const { id, rows } = await run(client, 'SELECT count(*) FROM tpch.tiny.region')
      assert.deepStrictEqual(rows, [[5]])
      names.push(await owner(servers, id))
    }
    return names
  }

  before(async () => {
    servers = services.servers.connect()
    process.env.TP_NODE_TEST_ADMIN_TOKEN = token
    gateway = await Gateway.start({
      config: yaml({
        clusters: servers.map(({ name, url }) => ({ name, proxyTo: url })),
        routing: { policy: 'roundRobin' },
        // Substituted from the environment at start, so the secret stays out of the text.
        admin: { tokens: ['${ENV:TP_NODE_TEST_ADMIN_TOKEN}'] },
      }),
    })
    client = clientOf(gateway.url)
  })
  after(() => gateway?.stop())

  test('the addresses are those bound, on the port the system chose', () => {
    assert.match(gateway.httpAddress, /^127\.0\.0\.1:[1-9]\d*$/)
    assert.equal(gateway.url, `http://${gateway.httpAddress}`)
    assert.equal(gateway.httpsAddress, null)
  })

  test('a query answers through the gateway, and its nextUri leads back to the gateway', async () => {
    const { id, rows, pages } = await run(client, 'SELECT count(*) FROM tpch.tiny.nation')
    assert.deepStrictEqual(rows, [[25]])
    assert.match(id, /^\d+_\d+_\d+_\w+$/)
    const followUps = pages.map((page) => page.nextUri).filter(Boolean)
    assert.ok(followUps.length > 0)
    for (const uri of followUps) assert.ok(uri.startsWith(`${gateway.url}/v1/statement/`), uri)
    assert.ok(['trino-1', 'trino-2'].includes(await owner(servers, id)))
  })

  test('a result of many pages streams through whole', async () => {
    const { id, rows, pages } = await run(client, 'SELECT * FROM tpch.tiny.lineitem LIMIT 20000')
    assert.equal(rows.length, 20000)
    assert.ok(rows.every((row) => row.length === 16), 'lineitem has 16 columns')
    const withData = pages.filter((page) => page.data?.length)
    assert.ok(withData.length > 1, `expected several data pages, got ${withData.length}`)
    const ownerName = await owner(servers, id)
    assert.equal((await queryInfo(servers.find((s) => s.name === ownerName), id)).state, 'FINISHED')
  })

  test('round-robin sends new queries to both servers', async () => {
    const names = await owners(4)
    assert.deepStrictEqual(new Set(names), new Set(['trino-1', 'trino-2']), names.join())
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    const routed = Object.fromEntries(
      [...metrics.matchAll(/^trino_gateway_routing_decisions_total\{group="adhoc",cluster="([^"]+)",reason="default"\} (\d+)/gm)]
        .map(([, cluster, count]) => [cluster, Number(count)])
    )
    assert.ok(routed['trino-1'] >= 1 && routed['trino-2'] >= 1, metrics)
    assert.ok(routed['trino-1'] + routed['trino-2'] >= 4, metrics)
  })

  test('cancelling through the gateway stops the query on the server that runs it', async () => {
    // trino-client's iterator skips pages without rows, so it shows a `count(*)` only when it
    // ends: the query is found by a marker in its text, on the servers themselves.
    const marker = `tp-node-cancel-${randomBytes(4).toString('hex')}`
    const pages = await client.query(`SELECT count(*) FROM tpch.sf100.lineitem /* ${marker} */`)
    const outcome = pages.next() // polls nextUri through the gateway until the query ends
    let found
    try {
      found = await eventually(async () => {
        for (const server of servers) {
          const query = (await listQueries(server)).find((q) => q.query.includes(marker))
          if (query?.state === 'RUNNING') return { server, id: query.queryId }
        }
      }, 60_000, 'the query to run')
      assert.equal(await owner(servers, found.id), found.server.name)

      await client.cancel(found.id) // DELETE /v1/query/{id}, routed by the query id
      const info = await eventually(async () => {
        const info = await queryInfo(found.server, found.id)
        return info.state !== 'RUNNING' && info
      }, 10_000, 'the query to stop')
      assert.equal(info.state, 'FAILED')
      assert.equal(info.errorCode?.name, 'USER_CANCELED')

      // The client, still polling through the gateway, learns it too.
      const { value } = await outcome
      assert.deepStrictEqual([value.id, value.error?.errorName, value.nextUri], [found.id, 'USER_CANCELED', undefined])
    } finally {
      // Never leave a query scanning sf100 behind on the shared servers.
      for (const server of servers) {
        for (const q of await listQueries(server)) {
          if (q.query.includes(marker) && !['FINISHED', 'FAILED'].includes(q.state)) {
            await fetch(`${server.url}/v1/query/${q.queryId}`, { method: 'DELETE', headers: { 'X-Trino-User': 'test' } })
          }
        }
      }
    }
  })

  test('the admin API answers 401 without the token, and lists the clusters with it', async () => {
    for (const auth of [null, 'Bearer wrong', `Basic ${Buffer.from('admin:wrong').toString('base64')}`]) {
      const denied = await admin('GET', '/api/v1/clusters', auth)
      assert.equal(denied.status, 401, `${auth}`)
      assert.match(denied.headers.get('www-authenticate') ?? '', /Bearer/)
      assert.equal((await denied.json()).error.kind, 'Unauthorized')
    }
    assert.equal((await admin('POST', '/api/v1/clusters/trino-2/deactivate', null)).status, 401)

    const listed = await admin('GET', '/api/v1/clusters')
    assert.equal(listed.status, 200)
    const clusters = await listed.json()
    assert.deepStrictEqual(
      clusters.map(({ name, proxyTo, active, healthy }) => ({ name, proxyTo, active, healthy })),
      servers.map(({ name, url }) => ({ name, proxyTo: url, active: true, healthy: true })),
    )
  })

  test('gateway.clusters() is what the admin API lists: registrations with health and load', () => {
    const views = gateway.clusters()
    assert.deepStrictEqual(
      views.map(({ cluster: { name, proxyTo, active }, healthy }) => ({ name, proxyTo, active, healthy })),
      servers.map(({ name, url }) => ({ name, proxyTo: url, active: true, healthy: true })),
    )
    for (const view of views) {
      for (const count of [view.queued, view.running, view.inFlight]) assert.ok(Number.isInteger(count) && count >= 0, `${count}`)
    }
  })

  test('a cluster deactivated through the admin API takes no new queries', async () => {
    const deactivated = await admin('POST', '/api/v1/clusters/trino-2/deactivate')
    assert.equal(deactivated.status, 200)
    assert.equal((await deactivated.json()).active, false)
    try {
      assert.deepStrictEqual(await owners(3), ['trino-1', 'trino-1', 'trino-1'])
    } finally {
      assert.equal((await admin('POST', '/api/v1/clusters/trino-2/activate')).status, 200)
    }
    assert.deepStrictEqual(new Set(await owners(2)), new Set(['trino-1', 'trino-2']), 'active again')
  })

  // Last: the gateway is gone afterwards.
  test('after stop() the gateway refuses connections, and stop() again is a no-op', async () => {
    const url = gateway.url
    await gateway.stop()
    assert.deepStrictEqual([gateway.url, gateway.httpAddress, gateway.httpsAddress], [null, null, null])
    assert.deepStrictEqual(gateway.clusters(), [])
    await assert.rejects(fetch(`${url}/v1/info`), (err) => {
      assert.equal(err.cause?.code, 'ECONNREFUSED', `${err.cause ?? err}`)
      return true
    })
    await assert.rejects(clientOf(url).query('SELECT 1'), /ECONNREFUSED/)
    await gateway.stop()
  })
})

describe('start', () => {
  test('from a file: relative paths are taken from its directory', async () => {
    const configDir = mkdtempSync(join(dir, 'config-'))
    writeFileSync(join(configDir, 'rules.yaml'), 'rules:\n  - {name: everything, routingGroup: etl}\n')
    const configPath = join(configDir, 'gateway.yaml')
    writeFileSync(configPath, yaml({ routing: { rulesFile: 'rules.yaml' }, admin: { open: true } }))
    const gateway = await Gateway.start({ configPath })
    try {
      assert.equal(await (await fetch(`${gateway.url}/livez`)).text(), 'ok')
      assert.deepStrictEqual(await (await fetch(`${gateway.url}/api/v1/clusters`)).json(), [])
      // No cluster in the group the rule chose: a Trino-shaped 503, not a hang.
      const unrouted = await fetch(`${gateway.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'X-Trino-User': 'test' } })
      assert.equal(unrouted.status, 503)
      assert.ok((await unrouted.json()).error, 'a Trino error document')
    } finally {
      await gateway.stop()
    }
  })

  test('clusters() shows a cluster nothing answers for as unhealthy once its probes fail', async () => {
    const closed = createServer()
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const proxyTo = `http://127.0.0.1:${closed.address().port}`
    await new Promise((resolve) => closed.close(resolve))
    const gateway = await Gateway.start({
      config: yaml({ clusters: [{ name: 'gone', proxyTo }], health: { interval: '200ms', timeout: '200ms', failureThreshold: 1 } }),
    })
    try {
      const [view] = await eventually(() => {
        const views = gateway.clusters()
        return views.length === 1 && !views[0].healthy && views
      }, 10_000, 'the probe to fail')
      assert.deepStrictEqual([view.cluster.name, view.cluster.proxyTo, view.cluster.active, view.inFlight], ['gone', proxyTo, true, 0])
    } finally {
      await gateway.stop()
    }
  })

  test('InvalidInput unless exactly one of config and configPath is given', async () => {
    await rejectsCode(Gateway.start({}), 'InvalidInput')
    const both = await rejectsCode(Gateway.start({ config: yaml(), configPath: join(dir, 'gateway.yaml') }), 'InvalidInput')
    assert.match(both.message, /configPath/)
  })

  test('InvalidInput for a config that is invalid or cannot be read', async () => {
    const unknown = await rejectsCode(Gateway.start({ config: 'listen: {http: "127.0.0.1:0"}\nhealth:\n  intervall: 5s\n' }), 'InvalidInput')
    assert.match(unknown.message, /intervall/)
    const unset = await rejectsCode(Gateway.start({ config: 'store: "${ENV:TP_NODE_SURELY_UNSET}"\n' }), 'InvalidInput')
    assert.match(unset.message, /TP_NODE_SURELY_UNSET/)
    await rejectsCode(Gateway.start({ config: yaml({ clusters: [{ name: 'no spaces', proxyTo: 'http://a:8080' }] }) }), 'InvalidInput')
    const missing = await rejectsCode(Gateway.start({ configPath: join(dir, 'missing.yaml') }), 'InvalidInput')
    assert.match(missing.message, /missing\.yaml/)
  })

  test('Unavailable when the address is taken or the store cannot be reached', async () => {
    const taken = createServer()
    await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const address = `127.0.0.1:${taken.address().port}`
      const err = await rejectsCode(Gateway.start({ config: yaml({ listen: { http: address } }) }), 'Unavailable')
      assert.match(err.message, new RegExp(address.replace(/\./g, '\\.')))
    } finally {
      taken.close()
    }
    const err = await rejectsCode(Gateway.start({ config: yaml({ store: 'postgres://u:hunter2@127.0.0.1:1/db' }) }), 'Unavailable')
    assert.doesNotMatch(err.message, /hunter2/)
  })
})

describe('lifecycle', () => {
  const index = fileURLToPath(new URL('../index.js', import.meta.url))

  /**
   * Runs `body` (ES module code after `gateway` is started, with `config`) in a child Node.js
   * process, resolving with the child, its first stdout line (the gateway's URL) and a Promise
   * of its exit.
   */
  async function child(body, args = []) {
    const script = [
      `import { Gateway } from ${JSON.stringify(index)}`,
      `let gateway = await Gateway.start({ config: ${JSON.stringify(yaml())} })`,
      'console.log(gateway.url)',
      body,
    ].join('\n')
    const proc = spawn(process.execPath, [...args, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    proc.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk))
    const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, out })))
    const url = await eventually(() => out.includes('\n') && out.split('\n')[0], 30_000, 'the child gateway')
    return { proc, url, exited }
  }

  test('a started gateway keeps the process alive until stop(), which lets it exit', async () => {
    // Signal listeners do not keep Node.js alive; only the gateway does.
    const { proc, url, exited } = await child("process.on('SIGUSR2', () => gateway.stop().then(() => console.log('stopped')))")
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(proc.exitCode, null, 'the child exited while its gateway was running')
    assert.equal(await (await fetch(`${url}/livez`)).text(), 'ok')
    proc.kill('SIGUSR2')
    const { code, out } = await exited
    assert.equal(code, 0)
    assert.match(out, /^stopped$/m)
  })

  test('a gateway whose object is collected keeps serving', async () => {
    const { proc, url, exited } = await child('gateway = null\nfor (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)) }\nconsole.log("collected")', ['--expose-gc'])
    await eventually(async () => (await fetch(`${url}/livez`)).ok, 5_000, 'the gateway to answer')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(await (await fetch(`${url}/livez`)).text(), 'ok')
    assert.equal(proc.exitCode, null)
    proc.kill('SIGTERM')
    const { signal, out } = await exited
    assert.equal(signal, 'SIGTERM')
    assert.match(out, /^collected$/m)
  })
})
