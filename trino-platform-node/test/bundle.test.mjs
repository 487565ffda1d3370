// The tenant bundles and the Kubernetes specs without a network: a tenant file (from YAML, from
// a file, from the plain object) resolved into its clusters and its platform, its manifests
// rendered as one YAML stream (read back with the `yaml` package) and as GitOps files (read
// back from disk), the Trino cluster and gateway specs on their own, the environment check,
// and the codes of what is refused (InvalidInput naming the field, NotFound for an unknown
// cluster) without a secret in any message. `Targets.connect`'s own refusals need no API
// server either. Planning and applying against real services: bundle-apply.test.mjs.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'

import { parse, parseAllDocuments } from 'yaml'

import {
  ClusterBundle,
  ExchangeBucketSpec,
  GatewayDeploymentSpec,
  Manifest,
  PlatformBundle,
  Targets,
  TenantSpec,
  TrinoClusterSpec,
  sortedManifests,
  toYamlStream,
  writeManifestFiles,
} from '../index.js'
import { rejectsCode, throwsCode } from './support/routing-cases.mjs'

const examplePath = fileURLToPath(new URL('../../examples/tenant.yaml', import.meta.url))
const exampleYaml = readFileSync(examplePath, 'utf8')

const minimal = `workspace: acme
platform:
  gateway: {externalUrl: 'https://trino.acme.example.com'}
clusters:
  - name: etl
    coordinator: {resources: {cpu: 2, memory: 8Gi}}
    workers: {replicas: 2, resources: {cpu: 4, memory: 16Gi}}
`

/** Asserts that no text in `texts` holds any of `secrets`. */
function noSecretIn(texts, ...secrets) {
  for (const text of texts) for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} shown in: ${text}`)
}

describe('TenantSpec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-node-bundle-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('the example tenant resolves: namespace, clusters with what they inherit, the platform', () => {
    const tenant = TenantSpec.load(examplePath)
    assert.deepStrictEqual([tenant.workspace, tenant.namespace], ['acme', 'trino-acme'])
    const clusters = tenant.clusters
    assert.ok(clusters.every((c) => c instanceof TrinoClusterSpec))
    assert.deepStrictEqual(
      clusters.map((c) => [c.name, c.workspace, c.namespace, c.routingGroup, c.trinoVersion, c.image]),
      [
        ['etl', 'acme', 'trino-acme', 'etl', 476, 'trinodb/trino:476'],
        ['adhoc', 'acme', 'trino-acme', 'adhoc', 476, 'trinodb/trino:476'],
      ],
    )
    // The clusters inherit the exchange bucket and the Keycloak client.
    const { coordinator, worker } = clusters[0].files()
    assert.match(coordinator.files['exchange-manager.properties'], /exchange\.base-directories=s3:\/\/trino-exchange-acme/)
    assert.match(worker.files['exchange-manager.properties'], /trino-exchange-acme/)
    assert.match(coordinator.files['config.properties'], /oauth2\.issuer=https:\/\/keycloak\.example\.com\/realms\/acme/)
    assert.ok(coordinator.env.includes('TRINO_OAUTH2_CLIENT_SECRET'), coordinator.env.join())

    const platform = tenant.platform()
    assert.ok(platform instanceof PlatformBundle)
    assert.ok(platform.gateway instanceof GatewayDeploymentSpec)
    assert.deepStrictEqual([platform.gateway.name, platform.gateway.namespace, platform.gateway.externalUrl], ['trino-gateway', 'trino-acme', 'https://trino.acme.example.com/'])
    assert.ok(platform.exchange instanceof ExchangeBucketSpec)
    assert.equal(platform.exchange.bucketName, 'trino-exchange-acme')
    assert.equal(TenantSpec.fromYaml(minimal).platform().exchange, null)

    const bundles = tenant.clusterBundles()
    assert.ok(bundles.every((b) => b instanceof ClusterBundle))
    assert.deepStrictEqual(bundles.map((b) => b.name), ['etl', 'adhoc'])
    const etl = tenant.clusterBundle('etl')
    assert.equal(etl.spec.name, 'etl')
    assert.deepStrictEqual(etl.registration(), {
      name: 'etl',
      proxyTo: 'http://trino-etl.trino-acme.svc:8080',
      externalUrl: 'https://trino.acme.example.com',
      routingGroup: 'etl',
      active: true,
    })
    const err = throwsCode(() => tenant.clusterBundle('reporting'), 'NotFound')
    assert.match(err.message, /no cluster "reporting"/)
  })

  test('manifests: the platform\'s, then each cluster\'s; Manifest objects carry kind, name, namespace and a fresh object', () => {
    const tenant = TenantSpec.fromYaml(exampleYaml)
    const manifests = tenant.manifests()
    assert.ok(manifests.every((m) => m instanceof Manifest))
    const platform = tenant.platform().manifests()
    const clusters = tenant.clusterBundles().flatMap((b) => b.manifests())
    assert.deepStrictEqual(manifests.map((m) => m.describe()), [...platform, ...clusters].map((m) => m.describe()))
    assert.deepStrictEqual(tenant.clusterBundle('etl').manifests().map((m) => m.describe()), tenant.clusters[0].manifests().map((m) => m.describe()))
    const [namespace] = manifests
    assert.deepStrictEqual([namespace.kind, namespace.apiVersion, namespace.name, namespace.namespace, namespace.describe()], ['Namespace', 'v1', 'trino-acme', null, 'Namespace trino-acme'])
    assert.deepStrictEqual(namespace.secretSources, {})
    assert.deepStrictEqual(Object.keys(namespace.object), ['apiVersion', 'kind', 'metadata'])
    assert.equal(namespace.object.metadata.labels['app.kubernetes.io/managed-by'], 'trino-platform')
    assert.equal(namespace.object.metadata.labels.team, 'data-platform', 'the tenant\'s labels go on its namespace too')
    assert.deepStrictEqual(tenant.labels, { team: 'data-platform' })
    namespace.object.metadata.name = 'changed'
    assert.equal(namespace.object.metadata.name, 'trino-acme', 'object is a copy')

    const kinds = new Set(manifests.map((m) => m.kind))
    assert.deepStrictEqual([...kinds].sort(), ['Cluster', 'ConfigMap', 'Deployment', 'Ingress', 'Namespace', 'Secret', 'Service', 'ServiceAccount'])
    const database = manifests.find((m) => m.kind === 'Cluster')
    assert.deepStrictEqual([database.apiVersion, database.describe()], ['apps.kubeblocks.io/v1', 'Cluster trino-acme/trino-gateway-db'])
    const worker = manifests.find((m) => m.describe() === 'Deployment trino-acme/trino-etl-worker')
    assert.equal(worker.object.spec.replicas, 3)
    assert.equal(worker.object.metadata.labels.team, 'data-platform')
    assert.deepStrictEqual(parse(worker.toYaml()), worker.object)

    // Secrets: their sources, never a value.
    const secret = manifests.find((m) => m.describe() === 'Secret trino-acme/trino-etl')
    assert.deepStrictEqual(secret.secretSources, {
      RANGER_DOWNLOAD_PASSWORD: 'env:RANGER_DOWNLOAD_PASSWORD',
      TRINO_INTERNAL_SHARED_SECRET: 'generated',
      TRINO_OAUTH2_CLIENT_SECRET: 'env:TRINO_OAUTH2_CLIENT_SECRET',
      TRINO_OAUTH2_STATE_KEY: 'generated',
    })
    assert.equal(secret.object.data, undefined)
    assert.equal(secret.object.stringData, undefined)
    assert.match(secret.object.metadata.annotations['trino-platform.io/secret-sources'], /TRINO_INTERNAL_SHARED_SECRET=generated/)
  })

  test('render() is one YAML stream of every object in apply order, without Secret values', () => {
    const tenant = TenantSpec.fromYaml(exampleYaml)
    const manifests = tenant.manifests()
    const stream = tenant.render()
    assert.equal(stream, toYamlStream(manifests))
    assert.ok(stream.startsWith('---\n'))
    const documents = parseAllDocuments(stream).map((d) => d.toJS())
    const sorted = sortedManifests(manifests)
    assert.equal(documents.length, manifests.length)
    assert.deepStrictEqual(documents, sorted.map((m) => m.object))
    assert.deepStrictEqual(documents.map((d) => d.kind).slice(0, 3), ['Namespace', 'ServiceAccount', 'ServiceAccount'])
    assert.deepStrictEqual(documents.at(-1).kind, 'Ingress')
    for (const doc of documents.filter((d) => d.kind === 'Secret')) assert.deepStrictEqual([doc.data, doc.stringData], [undefined, undefined])
    // A subset renders the same way; the order is the core's, whatever order is given.
    const gateway = tenant.platform().gateway.manifests()
    assert.equal(toYamlStream([...gateway].reverse()), toYamlStream(gateway))
    assert.deepStrictEqual(sortedManifests([...gateway].reverse()).map((m) => m.describe()), sortedManifests(gateway).map((m) => m.describe()))
    assert.equal(toYamlStream([]), '')
  })

  test('writeFiles(dir) writes one file per object and a kustomization listing them in apply order', () => {
    const tenant = TenantSpec.fromYaml(exampleYaml)
    const out = join(dir, 'gitops', 'acme')
    const written = tenant.writeFiles(out)
    const manifests = sortedManifests(tenant.manifests())
    assert.equal(written.length, manifests.length + 1)
    assert.equal(written.at(-1), join(out, 'kustomization.yaml'))
    assert.deepStrictEqual(readdirSync(out).sort(), written.map((p) => basename(p)).sort())
    assert.equal(basename(written[0]), '00-namespace-trino-acme.yaml')
    assert.equal(basename(written[1]), '01-serviceaccount-trino-acme-trino-adhoc.yaml')
    for (const [i, manifest] of manifests.entries()) assert.deepStrictEqual(parse(readFileSync(written[i], 'utf8')), manifest.object, written[i])
    const kustomization = parse(readFileSync(written.at(-1), 'utf8'))
    assert.deepStrictEqual(kustomization, {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: written.slice(0, -1).map((p) => basename(p)),
    })
    // Rewriting gives the same files; a file under another name is left alone.
    writeFileSync(join(out, 'notes.txt'), 'mine')
    assert.deepStrictEqual(tenant.writeFiles(out), written)
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine')

    // writeManifestFiles does the same for any list of manifests (one cluster's here).
    const cluster = writeManifestFiles(join(dir, 'etl'), tenant.clusterBundle('etl').manifests())
    assert.deepStrictEqual(cluster.map((p) => basename(p)).slice(0, 2), ['00-serviceaccount-trino-acme-trino-etl.yaml', '01-secret-trino-acme-trino-etl.yaml'])
    // A directory that cannot be made: InvalidInput naming it.
    const err = throwsCode(() => tenant.writeFiles(join(out, 'notes.txt', 'below')), 'InvalidInput')
    assert.match(err.message, /notes\.txt/)
  })

  test('fromObject reads what fromYaml reads: the example file as a plain object renders the same', () => {
    const object = parse(exampleYaml)
    const tenant = TenantSpec.fromObject(object)
    assert.equal(tenant.render(), TenantSpec.fromYaml(exampleYaml).render())
    assert.equal(TenantSpec.fromObject({ ...object, namespace: 'data-acme' }).namespace, 'data-acme')
    // Properties set to undefined count as absent.
    assert.equal(TenantSpec.fromObject({ ...object, namespace: undefined }).namespace, 'trino-acme')
  })

  test('invalid tenants are InvalidInput naming the field (and line from YAML)', () => {
    const cases = [
      [() => TenantSpec.fromYaml(minimal.replace('platform:', 'platfrom:')), /unknown field `platfrom`.*line 2/],
      [() => TenantSpec.fromYaml(minimal.replace('replicas: 2', 'replicas: 0')), /at least 1 worker.*line 7/],
      [() => TenantSpec.fromYaml(minimal.replace('  - name: etl\n', '  - name: etl\n    workspace: other\n')), /clusters\[0\]\.workspace: other differs/],
      [() => TenantSpec.fromYaml(`${minimal}  - name: etl\n    coordinator: {resources: {cpu: 1, memory: 2Gi}}\n    workers: {replicas: 1, resources: {cpu: 1, memory: 2Gi}}\n`), /the name etl is used twice/],
      [() => TenantSpec.fromObject({ workspace: 'acme', platform: { gateway: { externalUrl: 'https://t.example.com', replicas: 'two' } } }), /invalid tenant spec: platform\.gateway\.replicas: invalid type: string "two"/],
      [() => TenantSpec.fromObject({ workspace: 'Not A Label', platform: { gateway: { externalUrl: 'https://t.example.com' } } }), /workspace/],
      [() => TenantSpec.fromObject({ workspace: 'acme' }), /missing field `platform`/],
      [() => TenantSpec.load(join(tmpdir(), 'tp-node-no-such-tenant.yaml')), /tp-node-no-such-tenant\.yaml/],
    ]
    for (const [run, message] of cases) assert.match(throwsCode(run, 'InvalidInput').message, message)
  })

  test('no message holds a secret the tenant carries, wherever it was put', () => {
    const secret = 'Tenant-Secret-8c1f'
    const keycloak = { url: 'https://kc.example.com', credentials: { grant: 'password', username: 'admin', passwordEnv: 'KC_PW' }, client: { realm: 'acme', clientId: 'trino', secret } }
    const base = { workspace: 'acme', platform: { gateway: { externalUrl: 'https://t.example.com' }, keycloak } }
    const texts = []
    for (const bad of [
      { ...base, platform: { ...base.platform, keycloak: { ...keycloak, client: { ...keycloak.client, pkce: secret } } } }, // the secret in the wrong field
      { ...base, platform: { ...base.platform, keycloak: { ...keycloak, client: { ...keycloak.client, secret: [secret] } } } }, // in the wrong shape
      { ...base, platform: { ...base.platform, exchange: { region: 'us-east-1', credentials: { accessKeyId: 'AKIA1', secretAccessKey: secret, colour: 'red' } } } },
      { ...base, clusters: [{ name: 'etl', coordinator: { resources: { cpu: 1, memory: '2Gi' } }, workers: { replicas: 1, resources: { cpu: 1, memory: '2Gi' } }, ranger: { serviceName: 'acme_etl', adminUrls: ['http://ranger:6080'], downloadAuth: { username: 'trino', password: secret } } }] },
    ]) {
      texts.push(throwsCode(() => TenantSpec.fromObject(bad), 'InvalidInput').message)
    }
    assert.match(texts[0], /pkce: invalid type: string "\*\*\*", expected a boolean/)
    noSecretIn(texts, secret)
    // A tenant holding the secret shows it nowhere either.
    const tenant = TenantSpec.fromObject(base)
    noSecretIn([inspect(tenant, { depth: 5 }), tenant.render(), JSON.stringify(tenant.manifests().map((m) => m.object))], secret)
  })

  test('checkEnvironment names every variable the tenant needs that is unset', () => {
    const unset = `TP_NODE_UNSET_${process.pid}`
    const tenant = TenantSpec.fromYaml(exampleYaml.replaceAll('KEYCLOAK_ADMIN_PASSWORD', `${unset}_KC`).replaceAll('RANGER_ADMIN_PASSWORD', `${unset}_RANGER`))
    const err = throwsCode(() => tenant.checkEnvironment(), 'InvalidInput')
    assert.match(err.message, new RegExp(`${unset}_KC`))
    assert.match(err.message, new RegExp(`${unset}_RANGER`))
    assert.match(err.message, /RANGER_DOWNLOAD_PASSWORD/)
    assert.doesNotMatch(err.message, /TRINO_OAUTH2_CLIENT_SECRET/, 'the client secret comes from Keycloak')
    TenantSpec.fromYaml(minimal).checkEnvironment()
  })
})

describe('TrinoClusterSpec and GatewayDeploymentSpec', () => {
  const cluster = {
    name: 'etl',
    workspace: 'acme',
    namespace: 'trino-acme',
    trinoVersion: 481,
    coordinator: { resources: { cpu: 2, memory: '8Gi' }, config: { 'query.max-memory': '20GB' } },
    workers: { replicas: 3, resources: { cpu: '4', memory: '16Gi' }, drainTimeout: '15m' },
    catalogs: [{ name: 'delta', deltaLake: { metastoreUri: 'thrift://hms:9083', s3: { region: 'eu-central-1', credentials: { type: 'environment' } } } }],
    secrets: { S3_SECRET_KEY: { fromEnv: 'CI_S3_SECRET' } },
  }

  const dir = mkdtempSync(join(tmpdir(), 'tp-node-kube-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('a cluster spec from an object, YAML or a file: getters, manifests, files', () => {
    const spec = TrinoClusterSpec.fromObject(cluster)
    assert.deepStrictEqual([spec.name, spec.workspace, spec.namespace, spec.routingGroup, spec.trinoVersion, spec.image], ['etl', 'acme', 'trino-acme', 'adhoc', 481, 'trinodb/trino:481'])
    const yaml = TrinoClusterSpec.fromYaml('name: etl\nworkspace: acme\nnamespace: trino-acme\ntrinoVersion: 481\ncoordinator: {resources: {cpu: 2, memory: 8Gi}, config: {query.max-memory: 20GB}}\nworkers: {replicas: 3, resources: {cpu: 4, memory: 16Gi}, drainTimeout: 15m}\ncatalogs: [{name: delta, deltaLake: {metastoreUri: thrift://hms:9083, s3: {region: eu-central-1, credentials: {type: environment}}}}]\nsecrets: {S3_SECRET_KEY: {fromEnv: CI_S3_SECRET}}\n')
    assert.equal(toYamlStream(yaml.manifests()), toYamlStream(spec.manifests()))
    const file = join(dir, 'etl.yaml')
    writeFileSync(file, JSON.stringify(cluster))
    assert.equal(toYamlStream(TrinoClusterSpec.load(file).manifests()), toYamlStream(spec.manifests()))
    assert.match(throwsCode(() => TrinoClusterSpec.load(join(dir, 'missing.yaml')), 'InvalidInput').message, /missing\.yaml/)
    assert.deepStrictEqual(
      sortedManifests(spec.manifests()).map((m) => m.describe()),
      ['ServiceAccount', 'Secret', 'ConfigMap', 'ConfigMap', 'ConfigMap', 'Service', 'Deployment', 'Deployment'].map(
        (kind, i) => `${kind} trino-acme/${['trino-etl', 'trino-etl', 'trino-etl-catalog', 'trino-etl-coordinator', 'trino-etl-worker', 'trino-etl', 'trino-etl-coordinator', 'trino-etl-worker'][i]}`,
      ),
    )
    assert.deepStrictEqual(spec.manifests().find((m) => m.kind === 'Secret').secretSources, {
      S3_ACCESS_KEY: 'env:S3_ACCESS_KEY',
      S3_SECRET_KEY: 'env:CI_S3_SECRET',
      TRINO_INTERNAL_SHARED_SECRET: 'generated',
    })
    const files = spec.files()
    assert.deepStrictEqual(Object.keys(files.coordinator.files).sort(), ['config.properties', 'jvm.config', 'log.properties', 'node.properties'])
    assert.match(files.coordinator.files['config.properties'], /^coordinator=true$/m)
    assert.match(files.coordinator.files['config.properties'], /^query\.max-memory=20GB$/m)
    assert.match(files.worker.files['config.properties'], /^coordinator=false$/m)
    assert.match(files.catalogs['delta.properties'], /hive\.metastore\.uri=thrift:\/\/hms:9083/)
    assert.match(files.catalogs['delta.properties'], /^fs\.s3\.enabled=true$/m, 'Trino 481 names its native S3 switch fs.s3.enabled')
    assert.match(files.catalogs['delta.properties'], /^s3\.aws-secret-key=\$\{ENV:S3_SECRET_KEY\}$/m)
    assert.deepStrictEqual([files.coordinator.rangerFiles, files.coordinator.writableDirs, files.catalogEnv], [[], [], ['S3_ACCESS_KEY', 'S3_SECRET_KEY']])
    assert.ok(files.coordinator.env.includes('TRINO_INTERNAL_SHARED_SECRET'))
    // The config map of the coordinator holds exactly these files.
    const configMap = spec.manifests().find((m) => m.describe() === 'ConfigMap trino-acme/trino-etl-coordinator')
    assert.deepStrictEqual(configMap.object.data, files.coordinator.files)
  })

  test('a cluster with Ranger renders its plugin files; a password given as a value stays out of messages', () => {
    const ranger = { serviceName: 'acme_etl', adminUrls: ['http://ranger:6080'], downloadAuth: { username: 'trino', password: { env: 'RANGER_DOWNLOAD_PASSWORD' } } }
    const files = TrinoClusterSpec.fromObject({ ...cluster, ranger }).files()
    assert.match(files.coordinator.files['access-control.properties'], /^access-control\.name=ranger$/m)
    assert.deepStrictEqual(files.coordinator.rangerFiles.map((f) => [f.name, f.path, f.secret]), [
      ['ranger-trino-security.xml', '/etc/trino/ranger-trino-security.xml', false],
      ['ranger-trino-audit.xml', '/etc/trino/ranger-trino-audit.xml', false],
    ])
    assert.match(files.coordinator.rangerFiles[0].contents, /\$\{env\.RANGER_DOWNLOAD_PASSWORD\}/)
    assert.ok(files.coordinator.env.includes('RANGER_DOWNLOAD_PASSWORD'))
    // Workers get no Ranger plugin: their file-based access control lets the preStop hook shut them down.
    assert.equal(files.worker.rangerFiles.length, 0)
    assert.match(files.worker.files['access-control.properties'], /^access-control\.name=file$/m)
    const secret = 'Download-Pw-5e2d'
    const texts = [
      throwsCode(() => TrinoClusterSpec.fromObject({ ...cluster, ranger: { ...ranger, downloadAuth: { username: 'trino', password: secret } } }), 'InvalidInput').message,
      throwsCode(() => TrinoClusterSpec.fromObject({ ...cluster, ranger: { ...ranger, downloadAuth: { username: 'trino', password: { value: secret } } }, workers: { ...cluster.workers, replicas: 0 } }), 'InvalidInput').message,
      throwsCode(() => TrinoClusterSpec.fromObject({ ...cluster, ranger: { ...ranger, downloadAuth: { username: secret, password: { value: secret } } }, image: 'bad image' }), 'InvalidInput').message,
    ]
    assert.match(texts[2], /image/)
    noSecretIn(texts, secret)
  })

  test('invalid cluster specs are InvalidInput naming the field', () => {
    const cases = [
      [{ ...cluster, workers: { ...cluster.workers, replicas: 0 } }, /at least 1 worker/],
      [{ ...cluster, coordinator: { resources: { cpu: 2, memory: '512Mi' } } }, /coordinator\.resources\.memory 512Mi is too small/],
      [{ ...cluster, colour: 'red' }, /unknown field `colour`/],
      [{ ...cluster, catalogs: [{ name: 'Delta', deltaLake: cluster.catalogs[0].deltaLake }] }, /catalog name "Delta"/],
      [{ ...cluster, imagePullPolicy: 'Sometimes' }, /imagePullPolicy/],
    ]
    for (const [spec, message] of cases) assert.match(throwsCode(() => TrinoClusterSpec.fromObject(spec), 'InvalidInput').message, message)
    assert.match(throwsCode(() => TrinoClusterSpec.fromYaml('name: etl\n'), 'InvalidInput').message, /missing field/)
  })

  test('a gateway spec from an object or YAML: getters, manifests, gatewayYaml', () => {
    const object = { workspace: 'acme', namespace: 'trino-acme', externalUrl: 'https://trino.acme.example.com', tls: { secretName: 'gateway-tls' }, rules: 'rules:\n  - {name: etl, when: {source: {equals: airflow}}, routingGroup: etl}\n', config: { routing: { fallbackGroup: 'adhoc' } } }
    const spec = GatewayDeploymentSpec.fromObject(object)
    assert.deepStrictEqual([spec.name, spec.workspace, spec.namespace, spec.externalUrl, spec.internalUrl], ['trino-gateway', 'acme', 'trino-acme', 'https://trino.acme.example.com/', 'http://trino-gateway.trino-acme.svc:8080'])
    const gateway = parse(spec.gatewayYaml())
    assert.deepStrictEqual(gateway.listen, {
      http: '0.0.0.0:8080',
      https: { address: '0.0.0.0:8443', certificate: '/etc/trino-platform/tls/tls.crt', privateKey: '/etc/trino-platform/tls/tls.key' },
    })
    assert.deepStrictEqual([gateway.routing.fallbackGroup, gateway.routing.rulesFile], ['adhoc', '/etc/trino-platform/rules.yaml'])
    assert.deepStrictEqual(gateway.admin.tokens, ['${ENV:TP_GATEWAY_ADMIN_TOKEN}'])
    const kinds = sortedManifests(spec.manifests()).map((m) => m.kind)
    assert.deepStrictEqual(kinds, ['ServiceAccount', 'Secret', 'ConfigMap', 'Service', 'Cluster', 'Deployment', 'Ingress'])
    assert.equal(parse(spec.manifests().find((m) => m.kind === 'ConfigMap').object.data['gateway.yaml']).store, gateway.store)
    const yaml = GatewayDeploymentSpec.fromYaml('workspace: acme\nnamespace: trino-acme\nexternalUrl: https://trino.acme.example.com\ningress: {enabled: false}\n')
    assert.ok(!yaml.manifests().some((m) => m.kind === 'Ingress'))
    const file = join(dir, 'gateway.yaml')
    writeFileSync(file, 'workspace: acme\nnamespace: trino-acme\nexternalUrl: https://trino.acme.example.com\nreplicas: 1\n')
    assert.match(throwsCode(() => GatewayDeploymentSpec.load(file), 'InvalidInput').message, /replicas: 1 is too few/)
    writeFileSync(file, 'workspace: acme\nnamespace: trino-acme\nexternalUrl: https://trino.acme.example.com\n')
    assert.equal(GatewayDeploymentSpec.load(file).gatewayYaml(), GatewayDeploymentSpec.fromObject({ workspace: 'acme', namespace: 'trino-acme', externalUrl: 'https://trino.acme.example.com' }).gatewayYaml())
    for (const [bad, message] of [
      [{ ...object, replicas: 1 }, /replicas: 1 is too few/],
      [{ ...object, config: { listen: {} } }, /config\.listen/],
      [{ ...object, rules: 'rules: [{name: x}]' }, /rules/],
      [{ ...object, externalUrl: 'ftp://x' }, /externalUrl/],
    ]) {
      assert.match(throwsCode(() => GatewayDeploymentSpec.fromObject(bad), 'InvalidInput').message, message)
    }
  })
})

describe('Targets.connect refuses without reaching a server', () => {
  const tenant = TenantSpec.fromYaml(minimal)
  const dir = mkdtempSync(join(tmpdir(), 'tp-node-targets-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  // An API server that is not there (port 1 refuses connections).
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: none, cluster: {server: "http://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: Kube-Token-4b1}}]\ncontexts: [{name: none, context: {cluster: none, user: u}}]\ncurrent-context: none\n',
  )

  test('bad options and kubeconfigs are InvalidInput', async () => {
    assert.match((await rejectsCode(Targets.connect(tenant, { context: 'prod' }), 'InvalidInput')).message, /context needs kubeconfig/)
    assert.match((await rejectsCode(Targets.connect(tenant, { kubeconfig: join(dir, 'missing') }), 'InvalidInput')).message, /kubeconfig/)
    assert.match((await rejectsCode(Targets.connect(tenant, { kubeconfig, context: 'other' }), 'InvalidInput')).message, /other/)
    assert.match((await rejectsCode(Targets.connect(tenant, { kubeconfig, attempts: 0 }), 'InvalidInput')).message, /attempts/)
    assert.match((await rejectsCode(Targets.connect(tenant, { kubeconfig, waitTimeoutMs: -1 }), 'InvalidInput')).message, /waitTimeoutMs/)
    assert.match((await rejectsCode(Targets.connect(tenant, { kubeconfig, pollIntervalMs: 0.5 }), 'InvalidInput')).message, /pollIntervalMs/)
  })

  test('an API server that cannot be reached is Unavailable, without the kubeconfig\'s token', async () => {
    const err = await rejectsCode(Targets.connect(tenant, { kubeconfig, attempts: 1 }), 'Unavailable')
    assert.match(err.message, /Kubernetes/)
    noSecretIn([err.message], 'Kube-Token-4b1')
  })
})
