// The shared routing behaviour cases (tests/cases/routing.yaml): the same file the Rust and
// Python suites run, each case on a fresh in-memory router.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { loadCases } from './support/cases.mjs'
import { runCase } from './support/routing-cases.mjs'

const cases = loadCases('routing.yaml')

test('the shared file holds the cases the Rust runner expects', () => {
  assert.ok(cases.length >= 10, `only ${cases.length} cases`)
})

for (const testCase of cases) {
  test(testCase.name, () => runCase(testCase))
}
