// The harness's S3 server (moto, at TP_TEST_S3_ENDPOINT, from `scripts/services start`) seen
// through an independent client, @aws-sdk/client-s3: what the exchange tests read back, change
// by hand (drift), seed and clean up, without going through the binding under test.
//
// The S3 suite fails when TP_TEST_S3_ENDPOINT is missing; it is skipped (and says so) only when
// TP_SKIP_SERVICES names `s3`. Credentials and region come from the AWS_* variables, as for the
// binding's default credential chain.
import { randomBytes } from 'node:crypto'

// The SDK warns once per process that its 2027 releases need Node.js 22; not this suite's
// concern. Set before the SDK is loaded.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} = await import('@aws-sdk/client-s3')

/**
 * How the S3 tests run: `{ skip }` (a reason, already printed) when TP_SKIP_SERVICES names s3,
 * else `{ endpoint }`, which is `undefined` when TP_TEST_S3_ENDPOINT is missing: `connect()`
 * then throws a message saying how to start the services (so the suite fails, not passes).
 */
export function s3Service() {
  const endpoint = process.env.TP_TEST_S3_ENDPOINT
  const skipped = process.env.TP_SKIP_SERVICES ?? ''
  if (!endpoint && skipped.split(',').some((s) => s.trim() === 's3')) {
    const skip = `TP_SKIP_SERVICES=${skipped} names s3`
    console.log(`SKIPPED: s3 tests (${skip})`)
    return { skip }
  }
  return {
    endpoint,
    /** The independent client; throws when the server is not configured. */
    connect() {
      if (!endpoint) {
        throw new Error(
          'TP_TEST_S3_ENDPOINT is not set: run `scripts/services start` and ' +
            '`source /tmp/trino-platform-services/env.sh`, or set TP_SKIP_SERVICES=s3 to skip',
        )
      }
      return new S3(endpoint)
    },
  }
}

/** A workspace name no other test, run or process uses (short enough for a derived bucket). */
export function uniqueWorkspace(tag) {
  return `n${randomBytes(4).toString('hex')}-${tag}`
}

/** `promise`'s value, or `null` when S3 answers with one of the `absent` error codes. */
async function optional(promise, ...absent) {
  try {
    const { $metadata: _, ...out } = await promise
    return out
  } catch (err) {
    if (absent.includes(err.name) || absent.includes(err.Code)) return null
    throw err
  }
}

class S3 {
  constructor(endpoint) {
    this.client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: process.env.AWS_REGION ?? 'us-east-1',
      maxAttempts: 5,
    })
    /** Buckets this client created or was told about, removed by `cleanup()`. */
    this.buckets = new Set()
  }

  send(command) {
    return this.client.send(command)
  }

  /** Remembers `bucket` for `cleanup()`. */
  track(bucket) {
    this.buckets.add(bucket)
    return bucket
  }

  /** Whether the bucket exists. */
  async exists(bucket) {
    try {
      await this.send(new HeadBucketCommand({ Bucket: bucket }))
      return true
    } catch (err) {
      if (err.name === 'NotFound' || err.name === 'NoSuchBucket' || err.$metadata?.httpStatusCode === 404) return false
      throw err
    }
  }

  /** Every configuration trino-platform manages, as S3 returns it (`null` when absent). */
  async read(bucket) {
    const b = { Bucket: bucket }
    const policy = await optional(this.send(new GetBucketPolicyCommand(b)), 'NoSuchBucketPolicy')
    return {
      tags: await optional(this.send(new GetBucketTaggingCommand(b)), 'NoSuchTagSet'),
      encryption: await optional(
        this.send(new GetBucketEncryptionCommand(b)),
        'ServerSideEncryptionConfigurationNotFoundError',
      ),
      publicAccessBlock: await optional(
        this.send(new GetPublicAccessBlockCommand(b)),
        'NoSuchPublicAccessBlockConfiguration',
      ),
      ownership: await optional(this.send(new GetBucketOwnershipControlsCommand(b)), 'OwnershipControlsNotFoundError'),
      lifecycle: await optional(this.send(new GetBucketLifecycleConfigurationCommand(b)), 'NoSuchLifecycleConfiguration'),
      policy: policy ? JSON.parse(policy.Policy) : null,
    }
  }

  /** Deletes the bucket's lifecycle configuration: drift made by hand. */
  async deleteLifecycle(bucket) {
    await this.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }))
  }

  /**
   * Puts `count` objects and one open multipart upload into the bucket. Its policy is lifted
   * while writing and put back: moto takes the exchange policy's conditions (aws:SecureTransport,
   * aws:PrincipalArn) as met, so its conditional denies would refuse every object request.
   */
  async seed(bucket, count) {
    const saved = await optional(this.send(new GetBucketPolicyCommand({ Bucket: bucket })), 'NoSuchBucketPolicy')
    if (saved) await this.send(new DeleteBucketPolicyCommand({ Bucket: bucket }))
    try {
      const keys = Array.from({ length: count }, (_, i) => `query-${i % 7}/part-${String(i).padStart(5, '0')}.data`)
      for (let i = 0; i < keys.length; i += 25) {
        await Promise.all(
          keys.slice(i, i + 25).map((Key) => this.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x'.repeat(64) }))),
        )
      }
      const Key = 'query-0/open-upload.data'
      const { UploadId } = await this.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }))
      await this.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: 1, Body: 'y'.repeat(1024) }))
    } finally {
      if (saved) await this.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: saved.Policy }))
    }
  }

  /** Creates a bucket someone else owns: tagged owner=someone-else, holding one object. */
  async foreign(bucket) {
    this.track(bucket)
    await this.send(new CreateBucketCommand({ Bucket: bucket }))
    await this.send(
      new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'owner', Value: 'someone-else' }] } }),
    )
    await this.send(new PutObjectCommand({ Bucket: bucket, Key: 'precious.txt', Body: 'keep me' }))
  }

  /** Counts of object versions, delete markers and open uploads; `null` when the bucket is gone. */
  async inventory(bucket) {
    if (!(await this.exists(bucket))) return null
    const versions = await this.send(new ListObjectVersionsCommand({ Bucket: bucket }))
    const uploads = await this.send(new ListMultipartUploadsCommand({ Bucket: bucket }))
    return {
      versions: versions.Versions?.length ?? 0,
      deleteMarkers: versions.DeleteMarkers?.length ?? 0,
      uploads: uploads.Uploads?.length ?? 0,
    }
  }

  /** Empties and deletes `bucket`, if it exists (what a test left behind). */
  async remove(bucket) {
    if (!(await this.exists(bucket))) return
    await optional(this.send(new DeleteBucketPolicyCommand({ Bucket: bucket })), 'NoSuchBucketPolicy')
    for (;;) {
      const uploads = (await this.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []
      const page = await this.send(new ListObjectVersionsCommand({ Bucket: bucket }))
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map(({ Key, VersionId }) => ({ Key, VersionId }))
      if (uploads.length === 0 && objects.length === 0) break
      for (const { Key, UploadId } of uploads) await this.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }))
      if (objects.length) await this.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }))
    }
    await this.send(new DeleteBucketCommand({ Bucket: bucket }))
  }

  /** Removes every tracked bucket that still exists, then closes the client. */
  async cleanup() {
    try {
      for (const bucket of this.buckets) await this.remove(bucket)
    } finally {
      this.client.destroy()
    }
  }
}
