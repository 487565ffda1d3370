// The exchange bucket API: the shared cases of tests/cases/exchange.yaml (as the Rust runner
// runs them), the spec's conversions and rendering, and the bucket lifecycle against the
// harness's S3 server (moto), read back and changed by hand through an independent client
// (@aws-sdk/client-s3, test/support/s3.mjs).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { after, before, describe, test } from 'node:test'

import { ExchangeBuckets, ExchangeBucketSpec } from '../index.js'
import { loadCases } from './support/cases.mjs'
import { s3Service, uniqueWorkspace } from './support/s3.mjs'

/** Asserts that `fn()` throws (or its Promise rejects with) an Error of `code`; returns it. */
async function failure(fn, code) {
  let caught
  try {
    await fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof Error, `expected a ${code} Error, got ${caught}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

const KMS_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const ROLE = 'arn:aws:iam::111122223333:role/trino-workers'

describe('shared cases (tests/cases/exchange.yaml)', () => {
  const cases = loadCases('exchange.yaml')

  test('the shared file holds the cases the Rust runner expects', () => {
    assert.ok(cases.length >= 10, `only ${cases.length} cases`)
  })

  // As the Rust runner: the spec as JSON text through the YAML parser users' files go
  // through; and as JavaScript users give it: the object itself.
  const entries = {
    fromYaml: (spec) => ExchangeBucketSpec.fromYaml(JSON.stringify(spec)),
    fromObject: (spec) => ExchangeBucketSpec.fromObject(spec),
  }
  for (const testCase of cases) {
    for (const [entry, build] of Object.entries(entries)) {
      test(`${testCase.name} (${entry})`, async () => {
        if ('error' in testCase) {
          assert.ok(!('expect' in testCase), 'give expect or error')
          const err = await failure(() => build(testCase.spec), testCase.error.kind)
          assert.ok(
            err.message.includes(testCase.error.mentions),
            `${JSON.stringify(err.message)} does not mention ${testCase.error.mentions}`,
          )
        } else {
          const spec = build(testCase.spec)
          assert.equal(spec.bucketName, testCase.expect.bucket)
          if ('exchangeManagerProperties' in testCase.expect) {
            assert.equal(spec.exchangeManagerProperties(), testCase.expect.exchangeManagerProperties)
          }
        }
      })
    }
  }
})

describe('ExchangeBucketSpec', () => {
  const minimal = { workspace: 'acme', region: 'eu-central-1' }

  test('toObject fills in every default, and fromObject takes it back', () => {
    const spec = ExchangeBucketSpec.fromObject(minimal)
    const object = spec.toObject()
    assert.deepStrictEqual(object, {
      workspace: 'acme',
      region: 'eu-central-1',
      pathStyle: false,
      bucketPrefix: 'trino-exchange',
      tags: {},
      encryption: { type: 'sse-s3' },
      lifecycle: { expireAfterDays: 1, abortIncompleteUploadsAfterDays: 1 },
      requireTls: true,
      principals: [],
      trino: { retryPolicy: 'TASK', credentials: { type: 'default-chain' }, exchangeManagerOverrides: {}, configOverrides: {} },
    })
    assert.deepStrictEqual(ExchangeBucketSpec.fromObject(object).toObject(), object)
    assert.deepStrictEqual(ExchangeBucketSpec.fromYaml('workspace: acme\nregion: eu-central-1\n').toObject(), object)
  })

  test('every field survives toObject', () => {
    const full = {
      workspace: 'acme',
      region: 'us-east-1',
      endpoint: 'https://s3.example.com',
      pathStyle: true,
      bucket: 'acme-exchange',
      bucketPrefix: 'fte',
      tags: { team: 'data' },
      encryption: { type: 'sse-kms', kmsKeyId: KMS_KEY },
      lifecycle: { expireAfterDays: 3, abortIncompleteUploadsAfterDays: 2 },
      requireTls: false,
      principals: [ROLE],
      trino: {
        retryPolicy: 'QUERY',
        retryAttempts: 3,
        credentials: { type: 'iam-role', roleArn: ROLE, externalId: 'acme' },
        endpoint: 'http://minio.storage:9000',
        exchangeManagerOverrides: { 'exchange.s3.max-error-retries': '20' },
        configOverrides: { 'exchange.compression-codec': 'ZSTD' },
      },
    }
    assert.deepStrictEqual(ExchangeBucketSpec.fromObject(full).toObject(), full)
    const environment = { type: 'environment', accessKeyEnv: 'A_KEY', secretKeyEnv: 'S_KEY' }
    const spec = ExchangeBucketSpec.fromObject({ ...minimal, trino: { credentials: environment } })
    assert.deepStrictEqual(spec.toObject().trino.credentials, environment)
  })

  test('properties undefined count as absent', () => {
    const spec = ExchangeBucketSpec.fromObject({ ...minimal, endpoint: undefined, pathStyle: undefined })
    assert.deepStrictEqual(spec.toObject(), ExchangeBucketSpec.fromObject(minimal).toObject())
  })

  test('load reads a YAML file, and names the file when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-node-exchange-'))
    try {
      const path = join(dir, 'exchange.yaml')
      writeFileSync(path, 'workspace: acme\nregion: eu-central-1\nbucketPrefix: fte\n')
      assert.equal(ExchangeBucketSpec.load(path).bucketName, 'fte-acme')
      writeFileSync(path, 'workspace: acme\nregion: eu-central-1\nlifecycle: {expireAfterDays: 0}\n')
      const invalid = failureSync(() => ExchangeBucketSpec.load(path), 'InvalidInput')
      assert.match(invalid.message, /exchange\.yaml: lifecycle\.expireAfterDays/)
      const missing = failureSync(() => ExchangeBucketSpec.load(join(dir, 'missing.yaml')), 'InvalidInput')
      assert.match(missing.message, /missing\.yaml/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test("Trino's property files", () => {
    const spec = ExchangeBucketSpec.fromObject({
      workspace: 'dev',
      endpoint: 'http://minio:9000',
      pathStyle: true,
      requireTls: false,
      trino: { retryAttempts: 6, credentials: { type: 'environment' } },
    })
    assert.equal(
      spec.exchangeManagerProperties(),
      'exchange-manager.name=filesystem\n' +
        'exchange.base-directories=s3://trino-exchange-dev\n' +
        'exchange.s3.aws-access-key=${ENV:EXCHANGE_S3_ACCESS_KEY}\n' +
        'exchange.s3.aws-secret-key=${ENV:EXCHANGE_S3_SECRET_KEY}\n' +
        'exchange.s3.endpoint=http://minio:9000\n' +
        'exchange.s3.path-style-access=true\n',
    )
    assert.equal(
      spec.faultTolerantExecutionProperties(),
      'fault-tolerant-execution.exchange-encryption-enabled=true\n' +
        'retry-policy=TASK\n' +
        'task-retry-attempts-per-task=6\n' +
        'task.low-memory-killer.policy=total-reservation-on-blocked-nodes\n',
    )
  })

  test('the bucket policy and the Trino role policy', () => {
    assert.equal(ExchangeBucketSpec.fromObject({ ...minimal, requireTls: false }).bucketPolicy(), null)
    const spec = ExchangeBucketSpec.fromObject({ ...minimal, principals: [ROLE], encryption: { type: 'sse-kms', kmsKeyId: KMS_KEY } })
    const policy = spec.bucketPolicy()
    assert.equal(policy.Version, '2012-10-17')
    assert.deepStrictEqual(
      policy.Statement.map((s) => s.Sid),
      ['DenyInsecureTransport', 'AllowWorkspaceRoles', 'DenyOtherPrincipals'],
    )
    assert.deepStrictEqual(policy.Statement[0].Condition, { Bool: { 'aws:SecureTransport': 'false' } })
    assert.deepStrictEqual(policy.Statement[1].Principal, { AWS: [ROLE] })
    const iam = spec.trinoIamPolicy()
    assert.deepStrictEqual(
      iam.Statement.map((s) => [s.Sid, s.Resource]),
      [
        ['ExchangeBucket', 'arn:aws:s3:::trino-exchange-acme'],
        ['ExchangeObjects', 'arn:aws:s3:::trino-exchange-acme/*'],
        ['ExchangeKmsKey', KMS_KEY],
      ],
    )
  })

  test('invalid specs throw InvalidInput naming the field', () => {
    for (const [spec, field] of [
      [{ region: 'us-east-1' }, 'workspace'],
      [{ ...minimal, workspace: 'Bad_WS' }, 'workspace'],
      [{ ...minimal, region: 42 }, 'region'],
      [{ ...minimal, pathStyle: 'yes' }, 'pathStyle'],
      [{ ...minimal, lifecycle: { expireAfterDays: -1 } }, 'lifecycle.expireAfterDays'],
      [{ ...minimal, lifecycle: { abortIncompleteUploadsAfterDays: 1.5 } }, 'lifecycle.abortIncompleteUploadsAfterDays'],
      [{ ...minimal, lifecycle: { expireAfterDays: 0 } }, 'lifecycle.expireAfterDays'],
      [{ ...minimal, encryption: { type: 'sse-kms' } }, 'encryption'],
      [{ ...minimal, encryption: { type: 'sse-c' } }, 'encryption'],
      [{ ...minimal, tags: { workspace: 'other' } }, 'tags'],
      [{ ...minimal, principals: 'arn:aws:iam::111122223333:role/x' }, 'principals'],
      [{ ...minimal, trino: { retryPolicy: 'NONE' } }, 'trino.retryPolicy'],
      [{ ...minimal, trino: { retryAttempts: 0 } }, 'trino.retryAttempts'],
      [{ ...minimal, trino: { credentials: { type: 'iam-role' } } }, 'trino.credentials'],
      [{ ...minimal, credentials: { accessKeyId: 'AKIA' } }, 'credentials'],
    ]) {
      const err = failureSync(() => ExchangeBucketSpec.fromObject(spec), 'InvalidInput')
      assert.ok(err.message.includes(field), `${JSON.stringify(spec)}: ${JSON.stringify(err.message)} does not name ${field}`)
    }
    for (const [yaml, field] of [
      ['workspace: acme\nregion: us-east-1\nlifecycle: {expireAfterDays: nope}\n', 'line 3'],
      ['workspace: acme\n', 'region'],
      ['{', 'line 1'],
    ]) {
      const err = failureSync(() => ExchangeBucketSpec.fromYaml(yaml), 'InvalidInput')
      assert.ok(err.message.includes(field), `${JSON.stringify(yaml)}: ${JSON.stringify(err.message)} does not name ${field}`)
    }
  })

  test('secrets stay out of toObject, inspect and messages', () => {
    const secret = 'tp-secret-NEVER-SHOW-5d1e'
    const token = 'tp-token-NEVER-SHOW-93ac'
    const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: secret, sessionToken: token }
    const spec = ExchangeBucketSpec.fromObject({ ...minimal, credentials })
    assert.deepStrictEqual(spec.toObject().credentials, { accessKeyId: 'AKIAEXAMPLE' })
    const shown = [JSON.stringify(spec.toObject()), inspect(spec, { showHidden: true, depth: null })]
    shown.push(spec.exchangeManagerProperties(), spec.faultTolerantExecutionProperties(), JSON.stringify(spec.trinoIamPolicy()))
    // A spec that is wrong elsewhere, a password in the endpoint, a literal secret in the
    // Trino overrides: the messages name the field, never the secret.
    for (const [bad, field] of [
      [{ ...minimal, credentials, lifecycle: { expireAfterDays: -1 } }, 'lifecycle.expireAfterDays'],
      [{ ...minimal, credentials: { ...credentials, extra: 1 } }, 'credentials.extra'],
      [{ workspace: 'acme', endpoint: `http://key:${secret}@minio:9000` }, 'endpoint'],
      [{ ...minimal, trino: { exchangeManagerOverrides: { 'exchange.s3.aws-secret-key': secret } } }, 'exchangeManagerOverrides'],
    ]) {
      const err = failureSync(() => ExchangeBucketSpec.fromObject(bad), 'InvalidInput')
      assert.ok(err.message.includes(field), err.message)
      shown.push(err.message, err.stack, inspect(err))
    }
    for (const text of shown) {
      assert.ok(!text.includes(secret) && !text.includes(token), `a secret leaked into: ${text}`)
    }
  })

  test('fromYaml messages hold no secret either', () => {
    const yaml = 'workspace: acme\nregion: us-east-1\ncredentials:\n  accessKeyId: a\n  secretAccessKey: tp-yaml-secret\n  bogus: 1\n'
    const err = failureSync(() => ExchangeBucketSpec.fromYaml(yaml), 'InvalidInput')
    assert.ok(err.message.includes('bogus'), err.message)
    assert.ok(!err.message.includes('tp-yaml-secret'), `a secret leaked into: ${err.message}`)
  })

  test('arguments of the wrong type throw at the call', () => {
    assert.throws(() => ExchangeBucketSpec.fromYaml(42), Error)
    assert.throws(() => ExchangeBucketSpec.fromObject(() => 1), Error)
  })
})

/** `failure` for a synchronous `fn`. */
function failureSync(fn, code) {
  let caught
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof Error, `expected a ${code} Error, got ${caught}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

const service = s3Service()

describe('ExchangeBuckets against S3', { skip: service.skip }, () => {
  let s3
  before(() => {
    s3 = service.connect()
  })
  after(() => s3?.cleanup())

  /** A full spec for a new workspace: SSE-KMS, a principal, a user tag, lifecycle 2/1 days. */
  function fullSpec(tag, extra = {}) {
    return ExchangeBucketSpec.fromObject({
      workspace: uniqueWorkspace(tag),
      region: 'us-east-1',
      endpoint: service.endpoint,
      pathStyle: true,
      tags: { team: 'data-platform' },
      encryption: { type: 'sse-kms', kmsKeyId: KMS_KEY },
      lifecycle: { expireAfterDays: 2, abortIncompleteUploadsAfterDays: 1 },
      principals: [ROLE],
      ...extra,
    })
  }

  /** Connects to `spec`'s bucket (remembered for cleanup), with short backoffs. */
  async function connect(spec) {
    s3.track(spec.bucketName)
    return ExchangeBuckets.connect(spec, { maxAttempts: 5, initialBackoffMs: 20, maxBackoffMs: 200 })
  }

  const settings = (changes) => changes.map((c) => c.setting)

  test('ensure creates the bucket with every setting, and a second ensure changes nothing', async () => {
    const spec = fullSpec('full')
    const buckets = await connect(spec)
    assert.equal(buckets.bucket, spec.bucketName)
    assert.deepStrictEqual(buckets.spec.toObject(), spec.toObject())

    const plan = await buckets.plan()
    assert.equal(plan.ownership, 'absent')
    assert.equal(plan.bucket, spec.bucketName)
    assert.deepStrictEqual(settings(plan.changes), [
      'bucket',
      'tags',
      'publicAccessBlock',
      'ownershipControls',
      'encryption',
      'lifecycle',
      'policy',
    ])
    assert.ok(plan.changes.every((c) => c.action === 'create' && c.detail.length > 0))
    assert.equal(plan.warnings.length, 1, 'a plain-HTTP endpoint with requireTls on is warned about')

    const first = await buckets.ensure()
    assert.deepStrictEqual({ ...first, applied: settings(first.applied) }, {
      bucket: spec.bucketName,
      region: 'us-east-1',
      created: true,
      applied: settings(plan.changes),
    })

    // Read back by the independent client.
    const read = await s3.read(spec.bucketName)
    const tags = Object.fromEntries(read.tags.TagSet.map((t) => [t.Key, t.Value]))
    assert.deepStrictEqual(tags, { 'managed-by': 'trino-platform', team: 'data-platform', workspace: spec.toObject().workspace })
    const rule = read.encryption.ServerSideEncryptionConfiguration.Rules[0]
    assert.deepStrictEqual(rule.ApplyServerSideEncryptionByDefault, { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KMS_KEY })
    assert.equal(rule.BucketKeyEnabled, true)
    assert.deepStrictEqual(read.publicAccessBlock.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    })
    assert.deepStrictEqual(read.ownership.OwnershipControls.Rules, [{ ObjectOwnership: 'BucketOwnerEnforced' }])
    assert.equal(read.lifecycle.Rules.length, 1)
    const lifecycle = read.lifecycle.Rules[0]
    assert.deepStrictEqual(
      [lifecycle.ID, lifecycle.Status, lifecycle.Filter, lifecycle.Expiration.Days, lifecycle.AbortIncompleteMultipartUpload],
      ['trino-exchange-cleanup', 'Enabled', { Prefix: '' }, 2, { DaysAfterInitiation: 1 }],
    )
    assert.deepStrictEqual(read.policy, spec.bucketPolicy())

    const second = await buckets.ensure()
    assert.deepStrictEqual(second, { bucket: spec.bucketName, region: 'us-east-1', created: false, applied: [] })
    assert.deepStrictEqual((await buckets.plan()).changes, [])

    const description = await buckets.describe()
    assert.equal(description.inSync, true)
    assert.equal(description.ownership, 'managed')
    assert.deepStrictEqual([description.drift, description.problems], [[], []])
    assert.equal(description.state.exists, true)
    assert.equal(description.state.region, 'us-east-1')
    assert.deepStrictEqual(description.state.tags, tags)
    assert.deepStrictEqual(description.state.encryption, { algorithm: 'aws:kms', kmsKeyId: KMS_KEY, bucketKeyEnabled: true })
    assert.deepStrictEqual(description.state.lifecycleRules, [
      {
        id: 'trino-exchange-cleanup',
        enabled: true,
        prefix: '',
        expirationDays: 2,
        abortIncompleteUploadDays: 1,
        otherActions: false,
      },
    ])
    assert.deepStrictEqual(description.state.policy, spec.bucketPolicy())

    const report = await buckets.teardown()
    assert.equal(report.deleted, true)
    assert.equal(await s3.exists(spec.bucketName), false)
  })

  test('describe and plan of a bucket that does not exist', async () => {
    const spec = fullSpec('absent')
    const buckets = await connect(spec)
    const description = await buckets.describe()
    assert.deepStrictEqual(
      [description.inSync, description.ownership, description.state.exists, description.problems],
      [false, 'absent', false, []],
    )
    assert.deepStrictEqual(description.drift, (await buckets.plan()).changes)
    assert.equal(await s3.exists(spec.bucketName), false, 'plan and describe only read')
  })

  test('plan reports a lifecycle removed by hand, and ensure puts it back', async () => {
    const spec = fullSpec('drift')
    const buckets = await connect(spec)
    await buckets.ensure()
    await s3.deleteLifecycle(spec.bucketName)

    const plan = await buckets.plan()
    assert.equal(plan.ownership, 'managed')
    assert.deepStrictEqual(
      plan.changes.map((c) => [c.setting, c.action]),
      [['lifecycle', 'create']],
    )
    const description = await buckets.describe()
    assert.equal(description.inSync, false)
    assert.deepStrictEqual(description.drift, plan.changes)
    assert.deepStrictEqual(description.state.lifecycleRules, [])

    const repaired = await buckets.ensure()
    assert.deepStrictEqual(repaired.applied, plan.changes)
    assert.equal(repaired.created, false)
    const rules = (await s3.read(spec.bucketName)).lifecycle.Rules
    assert.deepStrictEqual(
      rules.map((r) => [r.ID, r.Expiration.Days]),
      [['trino-exchange-cleanup', 2]],
    )
    assert.deepStrictEqual((await buckets.plan()).changes, [])
    await buckets.teardown()
  })

  test('teardown empties a bucket of a few hundred objects in batches, reporting progress, and deletes it', async () => {
    const spec = fullSpec('teardown')
    const buckets = await connect(spec)
    await buckets.ensure()
    const objects = 320
    await s3.seed(spec.bucketName, objects)
    assert.deepStrictEqual(await s3.inventory(spec.bucketName), { versions: objects, deleteMarkers: 0, uploads: 1 })

    const events = []
    const report = await buckets.teardown({ batchSize: 100, onProgress: (p) => events.push(p) })
    assert.deepStrictEqual(report, {
      bucket: spec.bucketName,
      existed: true,
      uploadsAborted: 1,
      objectsDeleted: objects,
      deleted: true,
    })
    assert.equal(await s3.inventory(spec.bucketName), null)

    // Every report arrived before the Promise resolved, in order.
    const phases = events.map((e) => e.phase)
    assert.equal(phases[0], 'checking')
    assert.equal(phases.at(-1), 'done', phases.join())
    for (const phase of ['removingPolicy', 'abortingUploads', 'deletingObjects', 'deletingBucket']) {
      assert.ok(phases.includes(phase), `${phase} missing from ${phases}`)
    }
    assert.ok(events.every((e) => e.bucket === spec.bucketName))
    const deleting = events.filter((e) => e.phase === 'deletingObjects').map((e) => e.objectsDeleted)
    assert.ok(deleting.every((n, i) => i === 0 || deleting[i - 1] <= n), `progress went back: ${deleting}`)
    assert.deepStrictEqual(
      deleting.filter((n) => n > 0),
      [100, 200, 300, 320],
      'one report per batch of 100',
    )
    assert.deepStrictEqual([events.at(-1).objectsDeleted, events.at(-1).uploadsAborted], [objects, 1])

    // Again: nothing left to do, and that is not an error.
    assert.deepStrictEqual(await buckets.teardown(), {
      bucket: spec.bucketName,
      existed: false,
      uploadsAborted: 0,
      objectsDeleted: 0,
      deleted: true,
    })
  })

  test('a throwing onProgress neither stops the teardown nor crashes the process: it becomes a warning', async () => {
    const spec = fullSpec('throws')
    const buckets = await connect(spec)
    await buckets.ensure()
    await s3.seed(spec.bucketName, 20)

    const warnings = []
    const onWarning = (warning) => {
      if (warning.name === 'TrinoPlatformWarning') warnings.push(warning)
    }
    process.on('warning', onWarning)
    const boom = new Error('boom from onProgress')
    const phases = []
    try {
      const report = await buckets.teardown({
        onProgress: (p) => {
          phases.push(p.phase)
          if (p.phase === 'checking') throw boom
          if (p.phase === 'done') throw 'not even an Error' // eslint-disable-line no-throw-literal
        },
      })
      assert.deepStrictEqual([report.deleted, report.objectsDeleted, report.uploadsAborted], [true, 20, 1])
      assert.equal(phases.at(-1), 'done')
      assert.equal(await s3.exists(spec.bucketName), false)
      // `process.emitWarning` delivers on the next tick.
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
    }
    assert.equal(warnings.length, 2, warnings.map((w) => w.message).join('\n'))
    assert.ok(warnings[0] instanceof Error)
    assert.match(warnings[0].message, /onProgress/)
    assert.equal(warnings[0].code, undefined)
    assert.equal(warnings[0].cause, boom)
    assert.equal(warnings[1].cause, 'not even an Error')
  })

  test('teardown refuses a bucket trino-platform does not manage, and force overrides', async () => {
    const ws = uniqueWorkspace('foreign')
    const bucket = `${ws}-theirs`
    await s3.foreign(bucket)
    const buckets = await connect(fullSpec('foreign', { workspace: ws, bucket }))

    const err = await failure(() => buckets.teardown(), 'Conflict')
    assert.match(err.message, /not tagged managed-by=trino-platform/)
    await failure(() => buckets.ensure(), 'AlreadyExists')
    assert.equal((await buckets.plan()).ownership, 'unmanaged')
    const description = await buckets.describe()
    assert.deepStrictEqual([description.ownership, description.inSync, description.problems.length], ['unmanaged', false, 1])
    assert.deepStrictEqual(await s3.inventory(bucket), { versions: 1, deleteMarkers: 0, uploads: 0 }, 'untouched')

    const report = await buckets.teardown({ force: true })
    assert.deepStrictEqual([report.deleted, report.objectsDeleted], [true, 1])
    assert.equal(await s3.exists(bucket), false)
  })

  test('ensure adopts a bucket of another workspace only when told to', async () => {
    const spec = fullSpec('owner')
    const owner = await connect(spec)
    await owner.ensure()
    const other = await connect(
      ExchangeBucketSpec.fromObject({ ...spec.toObject(), workspace: uniqueWorkspace('other'), bucket: spec.bucketName }),
    )
    await failure(() => other.ensure(), 'Conflict')
    await failure(() => other.teardown(), 'Conflict')
    assert.equal((await other.plan()).ownership, 'otherWorkspace')
    const adopted = await other.ensure({ adopt: true })
    assert.deepStrictEqual(settings(adopted.applied), ['tags'])
    await failure(() => owner.teardown(), 'Conflict')
    assert.equal((await other.teardown()).deleted, true)
  })

  test('bad options reject with InvalidInput before any request', async () => {
    const spec = fullSpec('options')
    for (const [options, field] of [
      [{ maxAttempts: 1.5 }, 'maxAttempts'],
      [{ connectTimeoutMs: -1 }, 'connectTimeoutMs'],
      [{ attemptTimeoutMs: Infinity }, 'attemptTimeoutMs'],
      [{ maxAttempts: 0 }, 'max_attempts'],
    ]) {
      const err = await failure(() => ExchangeBuckets.connect(spec, options), 'InvalidInput')
      assert.ok(err.message.includes(field), err.message)
    }
    const buckets = await connect(spec)
    for (const batchSize of [0, 1001, 70000, 2.5, -1]) {
      const err = await failure(() => buckets.teardown({ batchSize }), 'InvalidInput')
      assert.match(err.message, /batchSize/)
    }
    assert.equal(await s3.exists(spec.bucketName), false)
  })

  test('explicit credentials work, and stay out of every message', async () => {
    const secret = 'tp-secret-NEVER-LOG-7f3a9c'
    const token = 'tp-token-NEVER-LOG-51bd02'
    const credentials = { accessKeyId: 'testing', secretAccessKey: secret, sessionToken: token }
    const spec = fullSpec('secret', { credentials })
    const buckets = await connect(spec)
    await buckets.ensure()
    const texts = [JSON.stringify(await buckets.describe()), JSON.stringify(buckets.spec.toObject()), inspect(buckets)]

    // toObject keeps only the access key id: the secret parts are given again.
    const object = { ...spec.toObject(), credentials }
    const unreachable = ExchangeBucketSpec.fromObject({ ...object, endpoint: 'http://127.0.0.1:9' })
    const offline = await ExchangeBuckets.connect(unreachable, { maxAttempts: 1, connectTimeoutMs: 2000 })
    for (const operation of ['plan', 'ensure', 'describe', 'teardown']) {
      const err = await failure(() => offline[operation](), 'Unavailable')
      assert.ok(err.message.includes(spec.bucketName), err.message)
      texts.push(err.message, inspect(err))
    }
    const stranger = await connect(
      ExchangeBucketSpec.fromObject({ ...object, workspace: uniqueWorkspace('stranger'), bucket: spec.bucketName }),
    )
    texts.push((await failure(() => stranger.ensure(), 'Conflict')).message)
    texts.push((await failure(() => stranger.teardown(), 'Conflict')).message)

    assert.equal((await buckets.teardown()).deleted, true)
    for (const text of texts) {
      assert.ok(!text.includes(secret) && !text.includes(token), `a secret leaked into: ${text}`)
    }
  })
})
