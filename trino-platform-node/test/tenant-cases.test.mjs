// The shared tenant cases (tests/cases/tenant.yaml): the same file the Rust (`shared_cases` in
// trino-platform-core/tests/bundle.rs) and Python suites run, checked as the Rust runner checks
// them, without a network: a tenant file → its namespace, its cluster names, every rendered
// object in apply order (`Kind namespace/name`) and where the chosen Secrets' values come
// from; or the error's code and the texts its message holds (the field, the line).
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { TenantSpec, sortedManifests } from '../index.js'
import { loadCases } from './support/cases.mjs'
import { throwsCode } from './support/routing-cases.mjs'

const cases = loadCases('tenant.yaml')

test('the shared tenant file holds the cases the Rust runner needs', () => {
  assert.ok(cases.length >= 8, `only ${cases.length} cases`)
})

for (const testCase of cases) {
  test(testCase.name, () => {
    const { name, tenant: text, expect, error } = testCase
    if (error === undefined) {
      assert.ok(expect, `${name}: give expect or error`)
      const tenant = TenantSpec.fromYaml(text)
      assert.equal(tenant.namespace, expect.namespace, name)
      assert.deepStrictEqual(tenant.clusters.map((c) => c.name), expect.clusters, name)
      const manifests = tenant.manifests()
      assert.deepStrictEqual(sortedManifests(manifests).map((m) => m.describe()), expect.objects, name)
      for (const [secret, sources] of Object.entries(expect.secretSources ?? {})) {
        const manifest = manifests.find((m) => m.kind === 'Secret' && m.name === secret)
        assert.ok(manifest, `${name}: no Secret ${secret}`)
        assert.deepStrictEqual(manifest.secretSources, sources, `${name}: ${secret}`)
      }
    } else {
      assert.equal(expect, undefined, `${name}: give expect or error`)
      const err = throwsCode(() => TenantSpec.fromYaml(text), error.kind, name)
      for (const mention of error.mentions) assert.ok(err.message.includes(mention), `${name}: ${JSON.stringify(err.message)} does not mention ${mention}`)
    }
  })
}
