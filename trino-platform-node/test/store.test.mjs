// The ClusterStore API beyond the shared cases: every error code reachable from here, secrets
// kept out of messages, closing, and data surviving a reopen (on SQLite and PostgreSQL).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { ClusterStore } from '../index.js'
import { postgres, sqliteFiles } from './support/stores.mjs'

/** Asserts that `promise` rejects with an Error of `code`, and returns the error. */
async function rejection(promise, code) {
  let caught
  await assert.rejects(promise, (err) => {
    caught = err
    return true
  })
  assert.ok(caught instanceof Error, `rejected with a non-Error: ${caught}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

const files = sqliteFiles()
after(() => files.cleanup())

describe('error codes', () => {
  let store
  before(async () => {
    store = await ClusterStore.open(files.freshUrl())
  })
  after(() => store.close())

  test('InvalidInput for bad names, URLs, groups and filters, without the URL password', async () => {
    await rejection(store.register({ name: 'no spaces', proxyTo: 'http://a:8080' }), 'InvalidInput')
    await rejection(store.get(''), 'InvalidInput')
    await rejection(store.update('c', { routingGroup: 'bad group' }), 'InvalidInput')
    await rejection(store.list({ routingGroup: '' }), 'InvalidInput')
    const err = await rejection(store.register({ name: 'c', proxyTo: 'http://admin:s3cret@a:8080' }), 'InvalidInput')
    assert.doesNotMatch(err.message, /s3cret/)
    assert.match(err.message, /credentials/)
  })

  test('InvalidInput for a store URL of another scheme, without its password', async () => {
    const err = await rejection(ClusterStore.open('mysql://root:hunter2@db/gw'), 'InvalidInput')
    assert.doesNotMatch(err.message, /hunter2/)
  })

  test('NotFound and AlreadyExists', async () => {
    await rejection(store.get('missing'), 'NotFound')
    await rejection(store.remove('missing'), 'NotFound')
    await store.register({ name: 'taken', proxyTo: 'http://a:8080' })
    await rejection(store.register({ name: 'taken', proxyTo: 'http://b:8080' }), 'AlreadyExists')
  })

  test('Unavailable for an unreachable PostgreSQL, without the password', async () => {
    const err = await rejection(ClusterStore.open('postgres://u:hunter2@127.0.0.1:1/db'), 'Unavailable')
    assert.doesNotMatch(err.message, /hunter2/)
    assert.match(err.message, /127\.0\.0\.1:1/)
  })

  test('Unavailable after close', async () => {
    const closed = await ClusterStore.open(files.freshUrl())
    await closed.close()
    await rejection(closed.list(), 'Unavailable')
  })

  test('arguments of the wrong type throw at the call, before any Promise', () => {
    assert.throws(() => store.get(42), Error)
    assert.throws(() => store.register({ name: 'x' }), /proxyTo/)
  })
})

describe('clusters(): the listing as an async iterator', () => {
  let store
  before(async () => {
    store = await ClusterStore.open(files.freshUrl())
    for (const [name, routingGroup, active] of [['c', 'etl', true], ['a', 'adhoc', true], ['b', 'etl', false]]) {
      await store.register({ name, proxyTo: `http://${name}:8080`, routingGroup, active })
    }
  })
  after(() => store.close())

  /** Every cluster `iterable` yields, in order. */
  async function collect(iterable) {
    const out = []
    for await (const cluster of iterable) out.push(cluster)
    return out
  }

  test('yields what list() resolves with, in its order, filter included', async () => {
    assert.deepStrictEqual((await collect(store.clusters())).map((c) => c.name), ['a', 'b', 'c'])
    assert.deepStrictEqual(await collect(store.clusters()), await store.list())
    assert.deepStrictEqual(await collect(store.clusters({ routingGroup: 'etl', active: true })), await store.list({ routingGroup: 'etl', active: true }))
    assert.deepStrictEqual(await collect(store.clusters({ routingGroup: 'etl', active: true })), [await store.get('c')])
  })

  test('is a fresh async generator per call, and may stop early', async () => {
    const clusters = store.clusters()
    assert.equal(clusters[Symbol.asyncIterator](), clusters)
    assert.notEqual(store.clusters(), clusters)
    for await (const cluster of clusters) {
      assert.equal(cluster.name, 'a')
      break
    }
    assert.deepStrictEqual(await clusters.next(), { value: undefined, done: true }, 'closed by the break')
    assert.equal(Object.keys(store).includes('clusters'), false, 'a method, not an own property')
  })

  test('rejects with the codes list() rejects with', async () => {
    await rejection(collect(store.clusters({ routingGroup: 'bad group' })), 'InvalidInput')
    const closed = await ClusterStore.open(files.freshUrl())
    await closed.close()
    await rejection(collect(closed.clusters()), 'Unavailable')
  })
})

/** Registers, changes and reopens: what one store wrote, the next one at `url` reads. */
async function survivesReopen(url) {
  const first = await ClusterStore.open(url)
  await first.register({ name: 'kept', proxyTo: 'http://k:8080', routingGroup: 'etl', active: false })
  await first.register({ name: 'dropped', proxyTo: 'http://d:8080' })
  await first.update('kept', { externalUrl: 'https://kept.example.com/' })
  await first.remove('dropped')
  await first.close()

  const second = await ClusterStore.open(url)
  try {
    assert.deepStrictEqual(await second.list(), [
      { name: 'kept', proxyTo: 'http://k:8080', externalUrl: 'https://kept.example.com', routingGroup: 'etl', active: false },
    ])
  } finally {
    await second.close()
  }
}

test('data survives reopening an SQLite store', () => survivesReopen(files.freshUrl()))

const pg = postgres()
describe('PostgreSQL store', { skip: pg.skip }, () => {
  let databases
  const freshUrl = () => (databases ??= pg.server.connect()).freshUrl()
  after(() => databases?.dropAll())

  test('data survives reopening', () => survivesReopen(freshUrl()))
})
