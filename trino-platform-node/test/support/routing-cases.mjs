// The runner of the shared routing cases (tests/cases/routing.yaml at the repository root), as
// their header comment describes and as the Rust runner (`shared_behaviour_cases` in
// trino-platform-core/tests/routing.rs) runs them: each case on a fresh in-memory router; a
// route step's `expect` is compared with deepStrictEqual against
// {cluster, routingGroup, reason, rule?, fellBackFrom?}, its `error` is the rejection's `code`.
import assert from 'node:assert/strict'

import { Router, RoutingRules } from '../../index.js'

/** Asserts that `run()` throws an Error whose `code` is `code`, and returns the error. */
export function throwsCode(run, code, where = '') {
  let caught
  assert.throws(run, (err) => {
    caught = err
    return true
  }, `${where}: expected ${code}`)
  assert.ok(caught instanceof Error, `${where}: threw a non-Error ${caught}`)
  assert.equal(caught.code, code, `${where}: ${caught.message}`)
  return caught
}

/** Asserts that `promise` rejects with an Error whose `code` is `code`, and returns the error. */
export async function rejectsCode(promise, code, where = '') {
  let caught
  await assert.rejects(promise, (err) => {
    caught = err
    return true
  }, `${where}: expected ${code}`)
  assert.ok(caught instanceof Error, `${where}: rejected with a non-Error ${caught}`)
  assert.equal(caught.code, code, `${where}: ${caught.message}`)
  return caught
}

/** The case's rules, or `undefined` when it has none (the router then has no rules). */
function loadRules(testCase) {
  if (typeof testCase.rules === 'string') return RoutingRules.fromYaml(testCase.rules)
  if (typeof testCase.trinoGatewayRules === 'string') return RoutingRules.fromTrinoGatewayYaml(testCase.trinoGatewayRules)
  return undefined
}

/** What the cases compare a decision with: the fields of `expect`, absent ones left out. */
function outcome(decision) {
  const got = { cluster: decision.cluster.name, routingGroup: decision.routingGroup, reason: decision.reason }
  if (decision.rule !== undefined) got.rule = decision.rule
  if (decision.fellBackFrom !== undefined) got.fellBackFrom = decision.fellBackFrom
  return got
}

/** Runs one case on a fresh in-memory router. */
export async function runCase(testCase) {
  const router = await Router.open(testCase.config ?? {})
  if ('error' in testCase) {
    throwsCode(() => loadRules(testCase), testCase.error, 'loading the rules')
    return
  }
  const rules = loadRules(testCase)
  if (rules) router.setRules(rules)
  router.setClusters(testCase.clusters)
  for (const [name, status] of Object.entries(testCase.status ?? {})) router.setStatus(name, status)

  for (const [i, step] of testCase.steps.entries()) {
    const where = `step ${i}`
    if (step.recordQuery) {
      router.recordQuery(step.recordQuery.queryId, step.recordQuery.cluster)
    } else if (step.recordOAuth2Challenge) {
      router.recordOAuth2Challenge(step.recordOAuth2Challenge.header, step.recordOAuth2Challenge.cluster)
    } else if ('error' in step) {
      await rejectsCode(router.route(step.route), step.error, where)
    } else {
      assert.ok('expect' in step, `${where}: a route step needs \`expect\` or \`error\``)
      assert.deepStrictEqual(outcome(await router.route(step.route)), step.expect, where)
    }
  }
}
