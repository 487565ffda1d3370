// The package as users import it: `import … from 'trino-platform'` through package.json
// `exports` (a self-reference), which must give the same objects as `require`.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import * as esm from 'trino-platform'
import native, { ClusterStore, Gateway, Router, RoutingRules } from 'trino-platform'

const require = createRequire(import.meta.url)

test('the ESM entry is index.mjs and re-exports the CommonJS binding', () => {
  assert.match(import.meta.resolve('trino-platform'), /\/index\.mjs$/)
  assert.match(require.resolve('trino-platform'), /\/index\.js$/)
  assert.equal(ClusterStore, require('trino-platform').ClusterStore)
  assert.equal(Router, require('trino-platform').Router)
  assert.equal(RoutingRules, require('trino-platform').RoutingRules)
  assert.equal(Gateway, require('trino-platform').Gateway)
  assert.equal(native, require('trino-platform'))
  assert.equal(typeof ClusterStore.open, 'function')
})

test('index.mjs exports every value the typings declare', () => {
  // String enums (`ErrorCode`, `RouteReason`, …) are types in index.d.ts; napi also puts a
  // runtime object for each on the CommonJS side, which the typings do not declare.
  const dts = readFileSync(fileURLToPath(new URL('../native.d.ts', import.meta.url)), 'utf8')
  const types = new Set([...dts.matchAll(/^export type (\w+)/gm)].map((m) => m[1]))
  assert.ok(types.has('ErrorCode') && types.has('RouteReason'), [...types].join())
  assert.match(dts, /^export declare class Gateway /m)
  const declared = Object.keys(require('trino-platform')).filter((name) => !types.has(name))
  const exported = Object.keys(esm).filter((name) => name !== 'default')
  assert.deepStrictEqual(exported.sort(), declared.sort())
})

test('a store opened through the ESM entry works', async () => {
  const store = await ClusterStore.open('sqlite::memory:')
  try {
    const cluster = await store.register({ name: 'esm', proxyTo: 'http://esm:8080' })
    assert.deepStrictEqual(await store.get('esm'), cluster)
  } finally {
    await store.close()
  }
})

test('a router opened through the ESM entry works', async () => {
  const router = await Router.open()
  router.setRules(RoutingRules.fromYaml('rules:\n  - {name: all, routingGroup: etl}\n'))
  router.setClusters([{ name: 'esm', proxyTo: 'http://esm:8080', routingGroup: 'etl' }])
  const decision = await router.route({ method: 'POST', path: '/v1/statement' })
  assert.deepStrictEqual([decision.cluster.name, decision.reason, decision.rule], ['esm', 'rule', 'all'])
})
