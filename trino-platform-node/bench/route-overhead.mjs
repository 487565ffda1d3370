// Binding overhead of routing: `await router.route(request)` from JavaScript over 100 typed
// rules, the same rules, clusters and request as the core's criterion benchmark
// `router/route/new_query_100_rules` (trino-platform-core/benches/routing.rs), so the difference
// between the two medians is what the binding adds (argument conversion, the Promise, the
// decision object; a decision made from memory settles its Promise on the JavaScript thread,
// without the hop to napi's tokio runtime and back that a store lookup takes).
//
// Run against an optimised addon (the test build is unoptimised):
//   npm run build:release && node bench/route-overhead.mjs [samples] [calls-per-sample]
// Prints the median (and spread) of the mean time per call over the samples, in nanoseconds.
import assert from 'node:assert/strict'

import { Router, RoutingRules } from '../index.js'

/** `rules(n)` of benches/routing.rs: only the last rule matches the request, so all are evaluated. */
function rules(n) {
  let yaml = 'rules:\n'
  for (let i = 0; i < n - 1; i++) {
    const when = [
      `{source: {equals: tool-${i}}}`,
      `{all: [{user: {oneOf: [u${i}, v${i}]}}, {clientTags: {equals: t${i}}}]}`,
      `{header: {name: X-Team-${i}, glob: 'team-*'}}`,
      `{source: {regex: 'batch-${i}-[a-z]+'}}`,
    ][i % 4]
    yaml += `  - name: r${i}\n    when: ${when}\n    routingGroup: g${i % 5}\n`
  }
  yaml += '  - name: last\n    when: {source: {startsWith: superset}}\n    routingGroup: bi\n'
  return RoutingRules.fromYaml(yaml)
}

/** `request()` of benches/routing.rs. */
const request = {
  method: 'POST',
  path: '/v1/statement',
  headers: {
    'X-Trino-User': 'alice',
    'X-Trino-Source': 'superset-sqllab',
    'X-Trino-Client-Tags': 'dashboards,finance',
    'X-Trino-Catalog': 'delta',
    'Accept-Encoding': 'gzip',
  },
}

const samples = Number(process.argv[2] ?? 31)
const calls = Number(process.argv[3] ?? 2000)

const router = await Router.open()
const ruleSet = rules(100)
assert.equal(ruleSet.length, 100)
router.setRules(ruleSet)
router.setClusters(
  Array.from({ length: 8 }, (_, i) => ({ name: `c${i}`, proxyTo: `http://c${i}:8080`, routingGroup: i % 2 === 0 ? 'bi' : 'adhoc' })),
)
const decision = await router.route(request)
assert.deepStrictEqual([decision.reason, decision.rule, decision.routingGroup], ['rule', 'last', 'bi'])

/** Mean nanoseconds per call of `call` over `count` sequential awaited calls. */
async function sample(call, count) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) await call()
  return Number(process.hrtime.bigint() - start) / count
}

/** Prints the median, p10 and p90 of `samples` samples of `call`, after a warm-up sample. */
async function measure(label, call) {
  await sample(call, calls) // warm-up: JIT, allocator, tokio worker threads
  const perCall = []
  for (let i = 0; i < samples; i++) perCall.push(await sample(call, calls))
  perCall.sort((a, b) => a - b)
  const at = (q) => Math.round(perCall[Math.min(perCall.length - 1, Math.floor(q * perCall.length))])
  console.log(`${label}: median ${at(0.5)} ns per call (p10 ${at(0.1)}, p90 ${at(0.9)}; ${samples} samples of ${calls} awaited calls)`)
}

await measure('router.route over 100 rules from Node.js', () => router.route(request))
// A Promise round trip through napi's tokio runtime with no work in it: what every Promise
// method that does I/O pays for the hop to a worker thread and back (route() skips it when the
// decision needs no store).
await measure('bare binding Promise round trip (flush() without a store)', () => router.flush())
