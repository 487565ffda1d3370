// The Router and RoutingRules API beyond the shared cases: sticky routes shared by two routers
// on one store (SQLite and PostgreSQL), rules reloading, what a decision carries, and every
// error code the routing API throws or rejects with.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'

import { ClusterStore, Router, RoutingRules } from '../index.js'
import { rejectsCode, throwsCode } from './support/routing-cases.mjs'
import { postgres, sqliteFiles } from './support/stores.mjs'

const ID = '20260101_120000_00001_abcde'
const ID2 = '20260101_120000_00002_abcde'
const newQuery = (headers = {}) => ({ method: 'POST', path: '/v1/statement', headers: { 'X-Trino-User': 'alice', ...headers } })
const followUp = (id = ID) => ({ method: 'GET', path: `/v1/statement/executing/${id}/y8f/2` })
const twoClusters = [
  { name: 'a', proxyTo: 'http://a:8080' },
  { name: 'b', proxyTo: 'http://b:8080' },
]

const dir = mkdtempSync(join(tmpdir(), 'tp-node-rules-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describe('decisions', () => {
  test('a rule decision carries the rule and its headers; a follow-up carries its query id', async () => {
    const router = await Router.open({ policy: 'roundRobin' })
    router.setRules(RoutingRules.fromYaml(
      'rules:\n  - name: etl\n    when: {source: {glob: "airflow*"}}\n    routingGroup: etl\n    addHeaders: {X-Routed-By: etl, X-Team: data}\n',
    ))
    router.setClusters([...twoClusters, { name: 'etl-1', proxyTo: 'http://etl-1:8080/', routingGroup: 'etl' }])
    const etl = await router.route(newQuery({ 'x-trino-source': 'airflow-prod' }))
    assert.deepStrictEqual(etl, {
      cluster: { name: 'etl-1', proxyTo: 'http://etl-1:8080', externalUrl: 'http://etl-1:8080', routingGroup: 'etl', active: true },
      routingGroup: 'etl',
      reason: 'rule',
      rule: 'etl',
      addHeaders: { 'X-Routed-By': 'etl', 'X-Team': 'data' },
    })

    const first = await router.route(newQuery())
    assert.deepStrictEqual([first.reason, first.addHeaders, first.rule, first.queryId], ['default', {}, undefined, undefined])
    router.recordQuery(ID, first.cluster.name, { user: 'alice', source: 'cli' })
    for (let i = 0; i < 3; i++) {
      const follow = await router.route(followUp())
      assert.deepStrictEqual([follow.cluster.name, follow.reason, follow.queryId], [first.cluster.name, 'query', ID])
    }
    await router.flush() // no store: resolves at once
  })

  test('clusters() shows each cluster with its status, sorted by name', async () => {
    const router = await Router.open()
    router.setClusters([{ name: 'b', proxyTo: 'http://b:8080', active: false }, twoClusters[0]])
    router.setStatus('a', { healthy: false, queued: 3, running: 4 })
    const views = router.clusters()
    assert.deepStrictEqual(views.map((v) => [v.cluster.name, v.cluster.active, v.healthy, v.queued, v.running, v.inFlight]), [
      ['a', true, false, 3, 4, 0],
      ['b', false, true, 0, 0, 0],
    ])
    router.setStatus('a', { healthy: true })
    assert.deepStrictEqual([router.clusters()[0].healthy, router.clusters()[0].queued], [true, 0])
    assert.equal((await router.route(newQuery())).cluster.name, 'a', 'healthy again; b is inactive')
  })

  test('setClusters takes what ClusterStore.list() resolves with', async () => {
    const store = await ClusterStore.open('sqlite::memory:')
    try {
      await store.register({ name: 'bi-1', proxyTo: 'http://bi-1:8080', routingGroup: 'bi' })
      const router = await Router.open({ defaultGroup: 'bi' })
      router.setClusters(await store.list())
      assert.equal((await router.route(newQuery())).cluster.name, 'bi-1')
    } finally {
      await store.close()
    }
  })

  test('an OAuth2 challenge pins the login legs, and the cookie pins the callback', async () => {
    const router = await Router.open()
    router.setClusters(twoClusters)
    const challenge = 'Bearer x_redirect_server="https://gw/oauth2/token/initiate/5e1f", x_token_server="https://gw/oauth2/token/77aa-01"'
    assert.equal(router.recordOAuth2Challenge(challenge, 'b'), 2)
    assert.equal(router.recordOAuth2Challenge('Basic realm="trino"', 'b'), 0)
    for (const path of ['/oauth2/token/initiate/5e1f', '/oauth2/token/77aa-01']) {
      const leg = await router.route({ method: 'GET', path })
      assert.deepStrictEqual([leg.cluster.name, leg.reason], ['b', 'oauth2Login'], path)
    }
    const cookie = router.oauth2Cookie('b')
    assert.match(cookie, /^trino_platform_oauth2=b~.*; Path=\/oauth2;.*HttpOnly/)
    const callback = await router.route({ method: 'GET', path: '/oauth2/callback?state=s&code=c', headers: { Cookie: cookie.split(';')[0] } })
    assert.deepStrictEqual([callback.cluster.name, callback.reason], ['b', 'oauth2Login'])
  })
})

describe('rules', () => {
  test('loadRules swaps rules in and keeps the old ones when the file is bad or missing', async () => {
    const path = join(dir, 'rules.yaml')
    const router = await Router.open()
    router.setClusters([...twoClusters, { name: 'etl-1', proxyTo: 'http://etl-1:8080', routingGroup: 'etl' }])
    writeFileSync(path, 'rules:\n  - name: one\n    routingGroup: etl\n')
    assert.equal(router.loadRules(path), 1)
    assert.equal((await router.route(newQuery())).rule, 'one')

    writeFileSync(path, 'rules:\n  - name: one\n    routingGroup: etl\n  - name: one\n    routingGroup: bi\n')
    const err = throwsCode(() => router.loadRules(path), 'InvalidInput', 'duplicate rule')
    assert.match(err.message, /rules\.yaml/)
    assert.match(err.message, /line 4/)
    assert.equal((await router.route(newQuery())).rule, 'one', 'the old rules stay')

    throwsCode(() => router.loadRules(join(dir, 'missing.yaml')), 'InvalidInput', 'missing file')
    assert.equal((await router.route(newQuery())).rule, 'one', 'the old rules stay')
  })

  test('RoutingRules constructors count rules and throw InvalidInput', () => {
    const path = join(dir, 'two.yaml')
    writeFileSync(path, 'rules:\n  - {name: a, routingGroup: etl}\n  - {name: b, routingGroup: bi}\n')
    assert.equal(RoutingRules.load(path).length, 2)
    assert.equal(RoutingRules.fromYaml('rules: []').length, 0)
    const mvel = '---\nname: airflow\ncondition: \'request.getHeader("X-Trino-Source") == "airflow"\'\nactions:\n  - \'result.put("routingGroup", "etl")\'\n'
    assert.equal(RoutingRules.fromTrinoGatewayYaml(mvel).length, 1)

    throwsCode(() => RoutingRules.fromYaml('rules: ['), 'InvalidInput', 'bad YAML')
    throwsCode(() => RoutingRules.fromYaml('rules:\n  - {name: x, routingGroup: "no spaces"}\n'), 'InvalidInput', 'bad group')
    throwsCode(() => RoutingRules.fromYaml('rules:\n  - {name: x, when: {source: {regex: "("}}, routingGroup: etl}\n'), 'InvalidInput', 'bad regex')
    const err = throwsCode(() => RoutingRules.load(join(dir, 'missing.yaml')), 'InvalidInput', 'missing file')
    assert.match(err.message, /missing\.yaml/)
    const unsupported = '---\nname: tables\ncondition: \'trinoQueryProperties.getTables().contains("x")\'\nactions:\n  - \'result.put("routingGroup", "etl")\'\n'
    assert.match(throwsCode(() => RoutingRules.fromTrinoGatewayYaml(unsupported), 'InvalidInput', 'MVEL').message, /tables/)
  })
})

describe('error codes', () => {
  test('Router.open rejects InvalidInput for a bad group, weight or store URL, without the password', async () => {
    await rejectsCode(Router.open({ defaultGroup: 'no spaces' }), 'InvalidInput', 'defaultGroup')
    await rejectsCode(Router.open({ fallbackGroup: '' }), 'InvalidInput', 'fallbackGroup')
    await rejectsCode(Router.open({ weights: { 'bad name': 1 } }), 'InvalidInput', 'weight name')
    for (const weight of [-1, 1.5, 2 ** 32, Number.NaN]) {
      await rejectsCode(Router.open({ policy: 'weighted', weights: { a: weight } }), 'InvalidInput', `weight ${weight}`)
    }
    const err = await rejectsCode(Router.open({ storeUrl: 'mysql://root:hunter2@db/gw' }), 'InvalidInput', 'storeUrl')
    assert.doesNotMatch(err.message, /hunter2/)
  })

  test('Router.open rejects Unavailable for an unreachable PostgreSQL store, without the password', async () => {
    const err = await rejectsCode(Router.open({ storeUrl: 'postgres://u:hunter2@127.0.0.1:1/db' }), 'Unavailable', 'store')
    assert.doesNotMatch(err.message, /hunter2/)
    assert.match(err.message, /127\.0\.0\.1:1/)
  })

  test('a decision from memory settles its Promise before route() returns, resolved or rejected', async () => {
    const router = await Router.open()
    router.setClusters(twoClusters)
    // Promise.race settles with the first settled Promise in its list: route()'s, when it was
    // settled already, else the marker's.
    const later = () => Promise.resolve('later')
    const decided = await Promise.race([router.route(newQuery()), later()])
    assert.ok(['a', 'b'].includes(decided.cluster?.name), `${JSON.stringify(decided)}`)
    const refused = router.route(followUp('20990101_000000_00009_zzzzz'))
    await rejectsCode(Promise.race([refused, later()]), 'NotFound', 'settled at once')
    // A Promise method that goes to the runtime (flush) is still pending then.
    const flushed = router.flush()
    assert.equal(await Promise.race([flushed, later()]), 'later')
    await flushed
  })

  test('route rejects NotFound, Unavailable and InvalidInput', async () => {
    const router = await Router.open({ honorRoutingGroupHeader: true })
    router.setClusters(twoClusters)
    await rejectsCode(router.route(followUp('20990101_000000_00009_zzzzz')), 'NotFound', 'unknown query id')
    await rejectsCode(router.route(newQuery({ 'X-Trino-Routing-Group': 'etl' })), 'Unavailable', 'empty group')
    await rejectsCode(router.route(newQuery({ 'X-Trino-Routing-Group': '../etc' })), 'InvalidInput', 'bad header group')
    router.setStatus('a', { healthy: false })
    router.setStatus('b', { healthy: false })
    const err = await rejectsCode(router.route(newQuery()), 'Unavailable', 'all unhealthy')
    assert.match(err.message, /"adhoc"/)
  })

  test('synchronous methods throw InvalidInput and NotFound, leaving the router as it was', async () => {
    const router = await Router.open()
    router.setClusters(twoClusters)
    throwsCode(() => router.setClusters([twoClusters[0], { name: 'c', proxyTo: 'ftp://c' }]), 'InvalidInput', 'bad cluster')
    assert.deepStrictEqual(router.clusters().map((v) => v.cluster.name), ['a', 'b'], 'nothing changed')

    throwsCode(() => router.setStatus('missing', { healthy: true }), 'NotFound', 'setStatus unknown')
    throwsCode(() => router.setStatus('no spaces', { healthy: true }), 'InvalidInput', 'setStatus bad name')
    throwsCode(() => router.setStatus('a', { healthy: true, queued: -1 }), 'InvalidInput', 'negative count')
    throwsCode(() => router.setStatus('a', { healthy: true, running: 0.5 }), 'InvalidInput', 'fractional count')

    throwsCode(() => router.recordQuery(ID, 'missing'), 'NotFound', 'recordQuery unknown cluster')
    throwsCode(() => router.recordQuery('not-a-query-id', 'a'), 'InvalidInput', 'recordQuery bad id')
    throwsCode(() => router.recordQuery(ID, 'no spaces'), 'InvalidInput', 'recordQuery bad name')
    await rejectsCode(router.route(followUp()), 'NotFound', 'nothing was recorded')

    throwsCode(() => router.recordOAuth2Challenge('Bearer x_token_server="https://gw/oauth2/token/t1"', 'missing'), 'NotFound', 'challenge')
    throwsCode(() => router.oauth2Cookie('no spaces'), 'InvalidInput', 'cookie')
  })

  test('arguments of the wrong type throw at the call, with napi codes', async () => {
    const router = await Router.open()
    assert.throws(() => router.route({ method: 'GET' }), /path/)
    assert.throws(() => Router.open({ policy: 'random' }), /SelectionPolicy/)
    assert.throws(() => router.setRules('rules: []'), Error)
    assert.throws(() => new RoutingRules(), Error)
  })
})

/**
 * Two routers on the store at `url` (a restarted gateway, or two replicas) share sticky routes.
 * `origin(id)`, when given, reads the user and source stored with query `id`.
 */
async function stickyRoutesAreShared(url, origin) {
  const store = await ClusterStore.open(url)
  try {
    for (const cluster of twoClusters) await store.register(cluster)
    const clusters = await store.list()
    const open = async () => {
      const router = await Router.open({ storeUrl: url })
      router.setClusters(clusters)
      return router
    }

    const first = await open()
    first.recordQuery(ID, 'b', { user: 'alice', source: 'cli' })
    assert.equal(first.recordOAuth2Challenge('Bearer x_token_server="https://gw/oauth2/token/tok-1"', 'b'), 1)
    await first.flush()
    if (origin) assert.deepStrictEqual(origin(ID), { user: 'alice', source: 'cli' })

    const second = await open()
    const follow = await second.route(followUp())
    assert.deepStrictEqual([follow.cluster.name, follow.reason, follow.queryId], ['b', 'query', ID])
    assert.equal((await second.route({ method: 'GET', path: '/oauth2/token/tok-1' })).cluster.name, 'b')

    // What the second records, the first finds in the store (it never saw it).
    second.recordQuery(ID2, 'b')
    await second.flush()
    assert.equal((await first.route({ method: 'GET', path: `/v1/query/${ID2}` })).cluster.name, 'b')

    // Recording an id again keeps its first route in the store: a third router still finds b,
    // after asking the store (its Promise is pending when route() returns).
    second.recordQuery(ID, 'a')
    await second.flush()
    const third = await open()
    const looked = third.route(followUp())
    assert.equal(await Promise.race([looked, Promise.resolve('later')]), 'later', 'a route only the store knows waits for it')
    assert.equal((await looked).cluster.name, 'b')
    // Neither the memory nor the store knows this one: NotFound, from the store's answer.
    await rejectsCode(third.route(followUp('20990101_000000_00009_zzzzz')), 'NotFound', 'unknown to the store')
  } finally {
    await store.close()
  }
}

describe('sticky routes on SQLite', () => {
  const files = sqliteFiles()
  after(() => files.cleanup())
  test('survive a restart and are shared by two routers', () => stickyRoutesAreShared(files.freshUrl()))
})

const pg = postgres()
describe('sticky routes on PostgreSQL', { skip: pg.skip }, () => {
  let databases
  const freshUrl = () => (databases ??= pg.server.connect()).freshUrl()
  after(() => databases?.dropAll())
  test('survive a restart and are shared by two routers', () => {
    const url = freshUrl()
    return stickyRoutesAreShared(url, (id) => queryOrigin(url, id))
  })
})

/** The user and source that trino-gateway's `query_history` holds for query `id` (psql). */
function queryOrigin(url, id) {
  const sql = `SELECT user_name, source FROM query_history WHERE query_id = '${id}'`
  const run = spawnSync('psql', [url, '-X', '-A', '-t', '-F', '|', '-c', sql], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`psql failed: ${run.error?.message ?? run.stderr.trim()}`)
  const [user, source] = run.stdout.trim().split('|')
  return { user, source }
}
