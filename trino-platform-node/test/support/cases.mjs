// The runner of the shared behaviour cases (tests/cases/*.yaml at the repository root), as
// their header comment describes: each case runs its steps in order on a fresh, empty store;
// a step's `expect` is compared with deepStrictEqual, its `error` is the rejection's `code`.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { parse } from 'yaml'

import { ClusterStore } from '../../index.js'

/** The cases of `tests/cases/<file>` at the repository root. */
export function loadCases(file) {
  const path = fileURLToPath(new URL(`../../../tests/cases/${file}`, import.meta.url))
  const cases = parse(readFileSync(path, 'utf8'))
  assert.ok(Array.isArray(cases) && cases.length > 0, `${path} holds no cases`)
  return cases
}

/** Runs one step's operation, returning its Promise. */
function perform(store, step) {
  switch (step.op) {
    case 'register':
      return store.register(step.cluster)
    case 'update':
      return store.update(step.name, step.update)
    case 'activate':
    case 'deactivate':
    case 'remove':
    case 'get':
      return store[step.op](step.name)
    case 'list':
      return store.list(step.filter)
    default:
      throw new Error(`unknown op ${JSON.stringify(step.op)}: teach test/support/cases.mjs`)
  }
}

/** Runs `testCase` on a fresh store opened at `url`, closing the store afterwards. */
export async function runCase(url, testCase) {
  const store = await ClusterStore.open(url)
  try {
    for (const [i, step] of testCase.steps.entries()) {
      const where = `step ${i + 1} (${step.op})`
      if ('error' in step) {
        await assert.rejects(perform(store, step), (err) => {
          assert.ok(err instanceof Error, `${where}: rejected with a non-Error ${err}`)
          assert.equal(err.code, step.error, `${where}: ${err.message}`)
          return true
        }, `${where}: expected ${step.error}`)
      } else {
        assert.ok('expect' in step, `${where}: a step needs \`expect\` or \`error\``)
        assert.deepStrictEqual(await perform(store, step), step.expect, where)
      }
    }
  } finally {
    await store.close()
  }
}
