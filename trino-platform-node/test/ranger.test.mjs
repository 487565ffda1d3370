// Ranger from Node.js: the shared policy-engine cases (tests/cases/ranger.yaml at the repository
// root), run as the file's header describes and as the Rust runner (`shared_behaviour_cases` in
// trino-platform-core/tests/ranger_engine.rs) and the Python suite run them; the rendered plugin
// files against the core's golden files; the engine's own surface; RangerSetupSpec; and
// RangerAdmin against the Ranger Admin fake of test/support/ranger-admin.mjs (no Ranger Admin
// can run here; the fake follows its documented REST API, see that file), plus a silent server,
// a closed port and a proxy answering 500 for the transport errors. Errors carry their codes
// and never show a password.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { parse } from 'yaml'

import { PolicyEngine, RangerAdmin, RangerPluginConfig, RangerSetupSpec } from '../index.js'
import { loadCases } from './support/cases.mjs'
import { ADMIN, EVE, PLUGIN, RangerAdminFake } from './support/ranger-admin.mjs'
import { rejectsCode, throwsCode } from './support/routing-cases.mjs'

// ----- the shared cases -----

const cases = loadCases('ranger.yaml')

/** The case's engine, loaded as the Rust runner loads it; throws what loading throws. */
function loadCase(testCase) {
  const options = { roles: testCase.roles, superUsers: testCase.superUsers, superGroups: testCase.superGroups }
  if ('policiesJson' in testCase) return PolicyEngine.fromJson(testCase.policiesJson, options)
  return PolicyEngine.fromPolicies(testCase.policies, options)
}

/** A decision in the case file's form: `{allowed, reason, policyId?, decidedByAccess?}`. */
function decisionJson(decision) {
  const got = { allowed: decision.allowed, reason: decision.reason }
  if (decision.policyId !== undefined && decision.policyId !== null) got.policyId = decision.policyId
  if (decision.decidedByAccess !== undefined && decision.decidedByAccess !== null) got.decidedByAccess = decision.decidedByAccess
  return got
}

/** The step's result in the case file's form; throws what the engine throws. */
function runStep(engine, step) {
  if (step.access) return decisionJson(engine.evaluate(step.access))
  if (step.action) {
    const { user, groups, roles, ...action } = step.action
    return decisionJson(engine.evaluateAction({ user, groups, roles }, action))
  }
  if (step.columnMask) {
    const mask = engine.columnMask(step.columnMask)
    return mask === null ? null : { policyId: mask.policyId ?? null, maskType: mask.maskType, expression: mask.expression }
  }
  if (step.rowFilter) {
    const filter = engine.rowFilter(step.rowFilter)
    return filter === null ? null : { policyId: filter.policyId ?? null, expression: filter.expression }
  }
  throw new Error(`step not understood by this runner: ${JSON.stringify(step)}`)
}

describe('the shared policy-engine cases', () => {
  test('the case file holds the cases the other runners run', () => {
    assert.ok(cases.length >= 20, `only ${cases.length} cases`)
    const steps = cases.reduce((n, c) => n + (c.steps?.length ?? 0), 0)
    assert.ok(steps >= 80, `only ${steps} steps`)
  })

  for (const testCase of cases) {
    test(testCase.name, () => {
      if ('error' in testCase) {
        throwsCode(() => loadCase(testCase), testCase.error, 'loading the policies')
        return
      }
      const engine = loadCase(testCase)
      for (const [i, step] of testCase.steps.entries()) {
        const where = `step ${i}`
        assert.notEqual('expect' in step, 'error' in step, `${where}: needs exactly one of expect/error`)
        if ('error' in step) throwsCode(() => runStep(engine, step), step.error, where)
        else assert.deepStrictEqual(runStep(engine, step), step.expect, where)
      }
    })
  }
})

// ----- the engine's JavaScript surface -----

function tablePolicy(id, schema, { deny = false, priority = 0, group }) {
  return {
    id,
    name: `p${id}`,
    policyPriority: priority,
    resources: { catalog: { values: ['delta'] }, schema: { values: [schema] }, table: { values: ['*'] }, column: { values: ['*'] } },
    [deny ? 'denyPolicyItems' : 'policyItems']: [{ accesses: [{ type: 'select' }], groups: [group] }],
  }
}

const select = (user, groups, catalog, schema, table, column) => ({
  user,
  groups,
  access: 'select',
  resource: { catalog, schema, table, column },
})

describe('PolicyEngine', () => {
  test('decisions and explanations are the core\'s, in its JSON shape', () => {
    const engine = PolicyEngine.fromPolicies([
      tablePolicy(1, '*', { group: 'staff' }),
      tablePolicy(2, 'hr', { deny: true, group: 'contractors' }),
      tablePolicy(3, 'hr', { priority: 1, group: 'contractors' }),
    ])
    assert.equal(engine.policyCount, 3)
    assert.deepStrictEqual([engine.serviceName, engine.policyVersion], [null, null], 'no download: no service, no version')
    assert.deepStrictEqual(engine.warnings, [])
    const decision = engine.evaluate(select('eve', ['staff', 'contractors'], 'delta', 'hr', 'people', 'name'))
    assert.deepStrictEqual({ ...decision }, {
      allowed: true,
      access: 'select',
      resource: { catalog: 'delta', schema: 'hr', table: 'people', column: 'name' },
      policyId: 3,
      policyName: 'p3',
      policyPriority: 'override',
      reason: 'allowItem',
    })
    const any = engine.evaluate({ user: 'eve', groups: ['staff'], access: '_any', resource: { catalog: 'delta', schema: 'sales', table: 't' } })
    assert.deepStrictEqual([any.allowed, any.decidedByAccess, any.policyId], [true, 'select', 1])
    const explanation = engine.explain(select('eve', ['staff', 'contractors'], 'delta', 'sales', 'orders', 'id'))
    assert.deepStrictEqual(
      explanation.steps.map((s) => [s.policyId, s.outcome]),
      [[3, 'resourceNotMatched'], [2, 'resourceNotMatched'], [1, 'allowed']],
    )
    assert.equal(explanation.steps[2].matchType, 'self')
    assert.match(explanation.summary, /allowed by policy 1/)
    const denied = engine.explain(select('nobody', [], 'delta', 'sales', 'orders', 'id'))
    assert.equal(denied.decision.allowed, false)
    assert.match(denied.summary, /no policy allows it/)
  })

  test('a plugin download, roles and super users, from JSON text or objects', () => {
    const download = {
      serviceName: 'dev_trino',
      policyVersion: 12,
      serviceConfig: { 'ranger.plugin.super.users': 'trino' },
      tagPolicies: { serviceName: 'dev_tag', policies: [{ id: 99, name: 'PII' }] },
      policies: [
        {
          id: 1,
          name: 'readers',
          resources: { catalog: { values: ['d'] }, schema: { values: ['*'] }, table: { values: ['*'] } },
          policyItems: [{ accesses: [{ type: 'select' }], roles: ['reader'] }],
        },
      ],
    }
    const roles = { rangerRoles: [{ name: 'reader', groups: [{ name: 'analysts' }] }] }
    for (const engine of [
      PolicyEngine.fromJson(JSON.stringify(download), { roles, superUsers: ['etl'] }),
      PolicyEngine.fromPolicies(download, { roles, superUsers: ['etl'] }),
    ]) {
      assert.deepStrictEqual([engine.serviceName, engine.policyVersion, engine.policyCount], ['dev_trino', 12, 1])
      assert.equal(engine.warnings.length, 1)
      assert.match(engine.warnings[0], /tag-based/)
      const table = { catalog: 'd', schema: 's', table: 't' }
      assert.equal(engine.evaluate({ user: 'a', groups: ['analysts'], resource: table, access: 'select' }).allowed, true)
      assert.equal(engine.evaluate({ user: 'a', groups: ['others'], resource: table, access: 'select' }).allowed, false)
      for (const superUser of ['trino', 'etl']) {
        assert.equal(engine.evaluate({ user: superUser, resource: table, access: 'drop' }).reason, 'superUser')
      }
    }
  })

  test('Trino checks, column masks and row filters', () => {
    const where = { catalog: 'delta', schema: 'crm', table: 'customers' }
    const engine = PolicyEngine.fromPolicies([
      {
        id: 7,
        name: 'hash emails',
        policyType: 1,
        resources: { catalog: { values: ['delta'] }, schema: { values: ['crm'] }, table: { values: ['customers'] }, column: { values: ['email'] } },
        dataMaskPolicyItems: [{ accesses: [{ type: 'select' }], groups: ['public'], dataMaskInfo: { dataMaskType: 'MASK_HASH' } }],
      },
      {
        id: 8,
        name: 'eu rows',
        policyType: 2,
        resources: { catalog: { values: ['delta'] }, schema: { values: ['crm'] }, table: { values: ['customers'] } },
        rowFilterPolicyItems: [{ accesses: [{ type: 'select' }], groups: ['eu'], rowFilterInfo: { filterExpr: "region = 'EU'" } }],
      },
      { id: 9, name: 'queries', resources: { queryid: { values: ['*'] } }, policyItems: [{ accesses: [{ type: 'execute' }], users: ['{USER}'] }] },
    ])
    assert.deepStrictEqual({ ...engine.columnMask({ user: 'alice', ...where, column: 'email' }) }, {
      policyId: 7,
      policyName: 'hash emails',
      maskType: 'MASK_HASH',
      expression: 'cast(to_hex(sha256(to_utf8(email))) as varchar)',
    })
    assert.equal(engine.columnMask({ user: 'alice', ...where, column: 'name' }), null)
    const explainedMask = engine.explainColumnMask({ user: 'alice', ...where, column: 'email' })
    assert.equal(explainedMask.mask.policyId, 7)
    assert.deepStrictEqual({ ...engine.rowFilter({ user: 'ursula', groups: ['eu'], ...where }) }, {
      policyId: 8,
      policyName: 'eu rows',
      expression: "region = 'EU'",
    })
    assert.equal(engine.rowFilter({ user: 'bob', ...where }), null)
    assert.equal(engine.explainRowFilter({ user: 'bob', ...where }).filter ?? null, null)
    const query = engine.evaluateAction({ user: 'bob' }, { check: 'executeQuery', target: '20260101_120000_00001_abcde' })
    assert.deepStrictEqual([query.allowed, query.policyId], [true, 9])
    const columns = engine.evaluateAction({ user: 'bob' }, { check: 'selectFromColumns', target: 'delta.crm.customers', columns: ['email'] })
    assert.equal(columns.allowed, false)
    const unknown = throwsCode(() => engine.evaluateAction({ user: 'bob' }, { check: 'selectt', target: 'x' }), 'InvalidInput')
    assert.match(unknown.message, /Trino action: check: unknown variant `selectt`/)
    assert.match(throwsCode(() => engine.evaluateAction({ user: 'bob' }, { check: 'renameTable', target: 'delta.crm.customers' }), 'InvalidInput').message, /newTarget/)
  })

  for (const [text, needles] of [
    ['[{"id": 5, "name": "p", "resources": {"tabel": {"values": ["x"]}}}]', ['policy 5', '"tabel"']],
    ['[{"id": 6, "name": "p", "resources": {"catalog": {"values": ["x"]}}, "policyItems": [{"accesses": [{"type": "selec"}], "users": ["u"]}]}]', ['policy 6', 'allow item 1', '"selec"']],
    ['[{"id": "eight", "name": "p"}]', ['policy #0', '"id"']],
    ['{"policies": {"id": 1}}', ['must be an array']],
    ['[{"id": 1,', ['malformed policy JSON', 'line 1']],
  ]) {
    test(`malformed policies throw InvalidInput naming what was wrong: ${needles[0]}`, () => {
      const err = throwsCode(() => PolicyEngine.fromJson(text), 'InvalidInput')
      for (const needle of needles) assert.ok(err.message.includes(needle), err.message)
    })
  }

  test('malformed requests and options throw InvalidInput naming the field', () => {
    const engine = PolicyEngine.fromPolicies([tablePolicy(1, 's', { group: 'g' })])
    assert.match(throwsCode(() => engine.evaluate({ user: 'u', access: 'select' }), 'InvalidInput').message, /access request: .*resource/)
    assert.match(
      throwsCode(() => engine.evaluate({ user: 'u', access: 'select', resource: { catalog: 'c' }, colour: 'red' }), 'InvalidInput').message,
      /invalid access request: colour: unknown field `colour`/,
    )
    assert.match(throwsCode(() => engine.evaluate({ user: 'u', access: 'select', resource: { tabel: 't' } }), 'InvalidInput').message, /tabel/)
    assert.match(
      throwsCode(() => engine.evaluate({ user: 'u', access: 'select', resource: { catalog: 'c' }, groups: 'g' }), 'InvalidInput').message,
      /access request: groups: invalid type: string "g", expected a sequence/,
    )
    assert.match(
      throwsCode(() => engine.columnMask({ user: 'u', catalog: 'c', schema: 's', table: 't' }), 'InvalidInput').message,
      /column mask request: missing field `column`/,
    )
    assert.match(
      throwsCode(() => PolicyEngine.fromPolicies([], { roles: { rangerRoles: 1 } }), 'InvalidInput').message,
      /invalid Ranger roles: rangerRoles: invalid type: integer `1`, expected a sequence/,
    )
  })
})

// ----- the plugin config and its files -----

const golden = fileURLToPath(new URL('../../trino-platform-core/tests/golden/ranger/', import.meta.url))

describe('RangerPluginConfig', () => {
  const goldenCases = readdirSync(golden).sort()
  test('the core has golden cases', () => assert.ok(goldenCases.length >= 3, goldenCases.join()))

  for (const name of goldenCases) {
    test(`rendered files equal the core's golden files: ${name}`, () => {
      const text = readFileSync(`${golden}${name}/config.yaml`, 'utf8')
      const index = JSON.parse(readFileSync(`${golden}${name}/files.json`, 'utf8'))
      for (const config of [RangerPluginConfig.fromYaml(text), RangerPluginConfig.fromObject(parse(text))]) {
        const { files, env } = config.render()
        assert.deepStrictEqual(files.map(({ name, path, secret }) => ({ name, path, secret })), index.files)
        assert.deepStrictEqual(env, index.env)
        for (const file of files) assert.equal(file.contents, readFileSync(`${golden}${name}/${file.name}`, 'utf8'), `${name}/${file.name}`)
        assert.equal(config.serviceName, parse(text).serviceName)
      }
    })
  }

  test('a password written into a file marks that file secret', () => {
    const config = RangerPluginConfig.fromYaml(readFileSync(`${golden}https-inline-secrets/config.yaml`, 'utf8'))
    const security = config.render().files.find((f) => f.name === 'ranger-trino-security.xml')
    assert.equal(security.secret, true)
    assert.ok(security.contents.includes('dl-Pa55w0rd&amp;&lt;x&gt;'))
    assert.equal(config.serviceName, 'prod_trino')
  })

  for (const [data, needle] of [
    [{ serviceName: 'bad name', adminUrls: ['http://r:6080'] }, 'service name'],
    [{ serviceName: 's', adminUrls: [] }, 'adminUrls'],
    [{ serviceName: 's', adminUrls: ['http://r'], pollInterval: '10ms' }, 'pollInterval'],
    [{ serviceName: 's', adminUrls: ['http://r'], pollInterval: 'soon' }, 'pollInterval'],
    [{ serviceName: 's', adminUrls: ['http://r'], unknownKey: 1 }, 'unknownKey'],
    [{ serviceName: 's', adminUrls: ['https://r:6182'] }, 'ssl'],
    [{ serviceName: 's', adminUrls: ['http://r'], audit: { solr: {} } }, 'audit.solr'],
    [{ serviceName: 's', adminUrls: ['http://r'], downloadAuth: { username: 'u', pasword: 'x' } }, 'downloadAuth.pasword: unknown field `pasword`'],
  ]) {
    test(`an invalid config throws InvalidInput naming the field: ${needle}`, () => {
      const err = throwsCode(() => RangerPluginConfig.fromObject(data), 'InvalidInput')
      assert.ok(err.message.includes(needle), err.message)
    })
  }

  test('config errors never show a password, however it is misplaced', () => {
    const base = { serviceName: 's', adminUrls: ['http://r'] }
    for (const bad of [
      { ...base, downloadAuth: { username: 'u', password: 'Hunter2-pw' } }, // not {env} or {value}
      { ...base, downloadAuth: { username: 'u', password: { value: 'Hunter2-pw', x: 1 } } },
      { ...base, downloadAuth: { username: 'u', password: { value: 'Hunter2-pw' } }, pollInterval: 'Hunter2-pw' },
      { ...base, audit: { solr: { urls: ['ftp://solr'], password: 'Hunter2-pw' } } },
      { ...base, audit: { elasticsearch: { hosts: ['es'], password: ['Hunter2-pw'] } } },
    ]) {
      const err = throwsCode(() => RangerPluginConfig.fromObject(bad), 'InvalidInput')
      assert.doesNotMatch(err.message, /Hunter2-pw/)
    }
  })
})

// ----- RangerSetupSpec -----

const SETUP = `
service:
  name: dev_trino
  jdbcUrl: jdbc:trino://trino-coordinator:8080
  username: trino
  password: lookup-S3cret
  superUsers: [trino]
policies:
  - name: analysts read sales
    resources: {catalog: [delta], schema: [sales], table: ["*"], column: ["*"]}
    allow: [{groups: [analysts], accesses: [select, use]}]
  - name: contractors out of hr
    resources: {catalog: [delta], schema: [hr], table: ["*"], column: ["*"]}
    deny: [{groups: [contractors], accesses: [select]}]
  - name: hash emails
    resources: {catalog: [delta], schema: [sales], table: [customers], column: [email]}
    masks: [{groups: [analysts], maskType: MASK_HASH}]
  - name: eu rows
    resources: {catalog: [delta], schema: [sales], table: [orders]}
    rowFilters: [{groups: [eu], filter: "region = 'EU'"}]
`

describe('RangerSetupSpec', () => {
  test('from YAML text or a plain object, validated', () => {
    for (const spec of [RangerSetupSpec.fromYaml(SETUP), RangerSetupSpec.fromObject(parse(SETUP))]) {
      assert.ok(spec instanceof RangerSetupSpec)
      assert.equal(spec.serviceName, 'dev_trino')
      assert.deepStrictEqual(spec.policyNames, ['analysts read sales', 'contractors out of hr', 'hash emails', 'eu rows'])
      assert.equal(spec.baseline, true)
    }
    assert.equal(RangerSetupSpec.fromObject({ ...parse(SETUP), baseline: false }).baseline, false)
  })

  test('invalid specs throw InvalidInput naming the field, without the lookup password', () => {
    const service = parse(SETUP).service
    for (const [spec, needle] of [
      [{ service: { ...service, jdbcUrl: 'http://trino' } }, 'jdbcUrl'],
      [{ service: { ...service, pasword: 'lookup-S3cret' } }, 'service.pasword: unknown field `pasword`'],
      [{ service: { ...service, enabled: 'lookup-S3cret' } }, 'service.enabled: invalid type: string "***"'],
      [{ service, policies: [{ name: 'x', resources: { tabel: ['t'] } }] }, '"tabel"'],
      [{ service, policies: [{ name: 'x', resources: { catalog: ['c'] } }, { name: 'x', resources: { catalog: ['d'] } }] }, 'x'],
    ]) {
      const err = throwsCode(() => RangerSetupSpec.fromObject(spec), 'InvalidInput')
      assert.ok(err.message.includes(needle), err.message)
      assert.doesNotMatch(err.message, /lookup-S3cret/)
    }
    const err = throwsCode(() => RangerSetupSpec.fromYaml('service: {name: s, jdbcUrl: "jdbc:trino://t:8080", colour: red}\n'), 'InvalidInput')
    assert.match(err.message, /colour/)
    assert.match(err.message, /line 1/)
  })
})

// ----- RangerAdmin -----

/** A loopback port nothing listens on. */
async function closedPort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A server that accepts connections and never answers; `close()` ends it. */
async function silentServer() {
  const sockets = new Set()
  const server = createServer((socket) => sockets.add(socket))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Asserts that no text in `texts` holds any of `secrets`. */
function noSecretIn(texts, ...secrets) {
  for (const text of texts) for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} shown in: ${text}`)
}

describe('RangerAdmin against the Ranger Admin fake', () => {
  const fake = new RangerAdminFake()
  let admin
  before(async () => {
    await fake.start()
    admin = await RangerAdmin.connect({ url: fake.url, ...ADMIN })
  })
  after(() => fake.stop())

  test('ensuring twice changes nothing the second time; a changed spec updates just that', async () => {
    const first = await admin.ensure(RangerSetupSpec.fromYaml(SETUP))
    assert.deepStrictEqual([first.service, first.serviceChange, first.changed], ['dev_trino', 'created', true])
    assert.deepStrictEqual(
      first.policies.map((p) => [p.name, p.change]),
      [
        // Ranger's default "all - queryid" already holds queryid=*: the baseline item is added to it.
        ['all - queryid', 'updated'],
        ['trino-platform: impersonate self', 'created'],
        ['trino-platform: kill own queries', 'created'],
        ['analysts read sales', 'created'],
        ['contractors out of hr', 'created'],
        ['hash emails', 'created'],
        ['eu rows', 'created'],
      ],
    )
    assert.ok(first.policies.every((p) => Number.isInteger(p.id)), JSON.stringify(first.policies))
    const writes = fake.writes
    assert.equal(writes, 8, 'one create of the service, one write per policy')

    // The plain object works as the class does; nothing to write the second time.
    const second = await admin.ensure(parse(SETUP))
    assert.equal(second.changed, false)
    assert.equal(second.serviceChange, 'unchanged')
    assert.ok(second.policies.every((p) => p.change === 'unchanged'), JSON.stringify(second.policies))
    assert.equal(fake.writes, writes, 'ensuring twice must not write')

    const changed = parse(SETUP)
    changed.policies[0].allow[0].groups.push('bi')
    const third = await admin.ensure(changed)
    assert.deepStrictEqual(third.policies.filter((p) => p.change !== 'unchanged').map((p) => p.name), ['analysts read sales'])
    assert.equal(third.serviceChange, 'unchanged')
    assert.equal(fake.writes, writes + 1)

    // The lookup password went to Ranger, which shows it masked.
    assert.equal(fake.services[0].configs.password, 'lookup-S3cret')
  })

  test('the plugin\'s download evaluates locally; nothing newer resolves with null', async () => {
    const plugin = await RangerAdmin.connect({ url: fake.url, ...PLUGIN, timeout: '10s' })
    const download = await plugin.downloadPolicies('dev_trino')
    assert.equal(download.serviceName, 'dev_trino')
    assert.equal(await plugin.downloadPolicies('dev_trino', download.policyVersion), null, '304 when nothing changed')
    const engine = PolicyEngine.fromPolicies(download)
    assert.equal(engine.policyVersion, download.policyVersion)
    const query = engine.evaluate({ user: 'alice', access: 'execute', resource: { queryid: '20260101_120000_00001_abcde' } })
    assert.deepStrictEqual([query.allowed, query.policyName], [true, 'all - queryid'], 'baseline: every user runs queries')
    const orders = { catalog: 'delta', schema: 'sales', table: 'orders', column: 'amount' }
    assert.equal(engine.evaluate({ user: 'alice', groups: ['bi'], access: 'select', resource: orders }).allowed, true)
    const hr = { catalog: 'delta', schema: 'hr', table: 'people', column: 'name' }
    assert.equal(engine.evaluate({ user: 'eve', groups: ['contractors'], access: 'select', resource: hr }).allowed, false)
    assert.equal(engine.evaluate({ user: 'trino', access: 'drop', resource: { catalog: 'delta', schema: 'hr', table: 'people' } }).reason, 'superUser')
    const mask = engine.columnMask({ user: 'alice', groups: ['analysts'], catalog: 'delta', schema: 'sales', table: 'customers', column: 'email' })
    assert.equal(mask.expression, 'cast(to_hex(sha256(to_utf8(email))) as varchar)')
  })

  test('listPolicies and the policies() iterator give every policy of the service', async () => {
    const listed = await admin.listPolicies('dev_trino')
    const names = listed.map((p) => p.name)
    for (const name of ['all - queryid', 'trino-platform: kill own queries', 'analysts read sales', 'eu rows']) {
      assert.ok(names.includes(name), names.join())
    }
    assert.deepStrictEqual(names, fake.policies.filter((p) => p.service === 'dev_trino').map((p) => p.name))
    const iterated = []
    for await (const policy of admin.policies('dev_trino')) iterated.push(policy)
    assert.deepStrictEqual(iterated, listed)
    await rejectsCode(admin.listPolicies('no_such_service'), 'NotFound')
    await rejectsCode((async () => { for await (const _ of admin.policies('no_such_service')); })(), 'NotFound')
  })

  test('errors carry their codes and never hold a password', async () => {
    const texts = []
    const wrong = await RangerAdmin.connect({ url: fake.url, username: 'admin', password: 'wrong-Pw-9' })
    const unauthorized = await rejectsCode(wrong.downloadPolicies('dev_trino'), 'Unauthorized')
    assert.match(unauthorized.message, /401: the user name or password was refused/)
    texts.push(unauthorized.message)

    const eve = await RangerAdmin.connect({ url: fake.url, ...EVE })
    texts.push((await rejectsCode(eve.downloadPolicies('dev_trino'), 'Forbidden')).message)
    texts.push((await rejectsCode(admin.downloadPolicies('nope'), 'NotFound')).message)

    // A named policy on resources another policy holds: Ranger's 3010.
    const clash = { service: parse(SETUP).service, baseline: false, policies: [{ name: 'same resources', resources: { catalog: ['delta'], schema: ['sales'], table: ['*'], column: ['*'] }, allow: [{ users: ['x'], accesses: ['select'] }] }] }
    const conflict = await rejectsCode(admin.ensure(clash), 'Conflict')
    assert.match(conflict.message, /already exists for matching resource/)
    texts.push(conflict.message)

    // A service of another type under the name.
    fake.services.push({ id: 999, name: 'hive_svc', type: 'hive', configs: {} })
    const other = { service: { ...parse(SETUP).service, name: 'hive_svc' } }
    texts.push((await rejectsCode(admin.ensure(other), 'Conflict')).message)

    // An invalid spec is refused before anything is sent.
    const writes = fake.writes
    const invalid = await rejectsCode(admin.ensure({ service: { name: 'dev_trino', jdbcUrl: 'jdbc:trino://t:8080', password: 'lookup-S3cret' }, policies: [{ name: 'x', resources: { tabel: ['t'] } }] }), 'InvalidInput')
    assert.match(invalid.message, /"tabel"/)
    assert.equal(fake.writes, writes)
    texts.push(invalid.message)
    noSecretIn(texts, ADMIN.password, 'wrong-Pw-9', EVE.password, 'lookup-S3cret')
  })
})

describe('RangerAdmin without a Ranger Admin', () => {
  test('connect checks its options without a network, and throws no password', async () => {
    for (const [options, needle] of [
      [{ url: 'ftp://ranger' }, 'scheme'],
      [{ url: 'http://admin:pw-in-url@ranger:6080' }, 'credentials'],
      [{ url: 'http://ranger:6080', timeout: 'soon' }, 'timeout'],
      [{ url: 'http://ranger:6080', caCertificatesPem: 'not a pem' }, 'caCertificatesPem'],
      [{ url: 'http://ranger:6080', username: '' }, 'user name'],
    ]) {
      const err = await rejectsCode(RangerAdmin.connect({ username: 'admin', password: 'Ranger-Adm1n-pw', ...options }), 'InvalidInput')
      assert.ok(err.message.includes(needle), err.message)
      noSecretIn([err.message], 'Ranger-Adm1n-pw', 'pw-in-url')
    }
    const admin = await RangerAdmin.connect({ url: 'http://ranger:6080', username: 'admin', password: 'pw' })
    assert.equal(admin.url, 'http://ranger:6080/')
  })

  test('Unavailable when nothing listens (retry later), without the password', async () => {
    const admin = await RangerAdmin.connect({ url: `http://127.0.0.1:${await closedPort()}`, username: 'admin', password: 'Ranger-Adm1n-pw' })
    const err = await rejectsCode(admin.downloadPolicies('dev_trino'), 'Unavailable')
    assert.match(err.message, /could not be reached/)
    const ensured = await rejectsCode(admin.ensure({ service: { name: 'dev_trino', jdbcUrl: 'jdbc:trino://trino:8080', password: 'lookup-pw-1' } }), 'Unavailable')
    noSecretIn([err.message, ensured.message], 'Ranger-Adm1n-pw', 'lookup-pw-1')
  })

  test('Timeout when Ranger Admin accepts but never answers, and the event loop keeps running', async () => {
    const silent = await silentServer()
    try {
      const admin = await RangerAdmin.connect({ url: silent.url, username: 'admin', password: 'pw', timeout: '1s' })
      let ticks = 0
      const timer = setInterval(() => ticks++, 50)
      const err = await rejectsCode(admin.downloadPolicies('dev_trino'), 'Timeout').finally(() => clearInterval(timer))
      assert.match(err.message, /timed out/)
      assert.ok(ticks >= 5, `JavaScript ran ${ticks} timer ticks while waiting`)
    } finally {
      await silent.close()
    }
  })

  test('Backend when something in front of Ranger Admin answers 500 with a page', async () => {
    const proxy = createHttpServer((_, response) => response.writeHead(500, { 'Content-Type': 'text/html' }).end('<html>Internal Server Error</html>'))
    await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    try {
      const admin = await RangerAdmin.connect({ url: `http://127.0.0.1:${proxy.address().port}`, username: 'admin', password: 'pw' })
      const err = await rejectsCode(admin.listPolicies('dev_trino'), 'Backend')
      assert.match(err.message, /500/)
    } finally {
      await new Promise((resolve) => proxy.close(resolve))
    }
  })
})
