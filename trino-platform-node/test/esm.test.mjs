// The package as users import it: `import … from 'trino-platform'` through package.json
// `exports` (a self-reference), which must give the same objects as `require`.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'

import * as esm from 'trino-platform'
import native, { ClusterStore } from 'trino-platform'

const require = createRequire(import.meta.url)

test('the ESM entry is index.mjs and re-exports the CommonJS binding', () => {
  assert.match(import.meta.resolve('trino-platform'), /\/index\.mjs$/)
  assert.match(require.resolve('trino-platform'), /\/index\.js$/)
  assert.equal(ClusterStore, require('trino-platform').ClusterStore)
  assert.equal(native, require('trino-platform'))
  assert.equal(typeof ClusterStore.open, 'function')
})

test('index.mjs exports every value the typings declare', () => {
  // `ErrorCode` is a type in index.d.ts (napi also puts a runtime object on the CommonJS side).
  const declared = Object.keys(require('trino-platform')).filter((name) => name !== 'ErrorCode')
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
