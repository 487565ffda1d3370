// `prepare` hook: make sure the native addon loads after `npm install` / `npm ci` here, or after
// `npm install path/to/trino-platform-node` elsewhere, building it from source (the workspace's
// `ci` cargo profile) when it is missing or does not load. Needs Rust (cargo) on PATH.
//
// With this package's devDependencies installed it runs `npm run build` (napi build, which also
// regenerates native.js / native.d.ts). Installed as a dependency it has no @napi-rs/cli, so it
// runs cargo itself and copies the library to the file native.js loads; the committed
// native.js / native.d.ts already match the sources.
import { spawnSync } from 'node:child_process'
import { copyFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const require = createRequire(import.meta.url)
const { napi } = require('../package.json')
const profile = 'ci'

function loads() {
  try {
    require('../index.js')
    return true
  } catch (err) {
    const missing = /Cannot find native binding/.test(err.message)
    console.log(`trino-platform: ${missing ? 'no native addon yet' : `native addon does not load: ${err.message}`}`)
    return false
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

function hasNapiCli() {
  try {
    require.resolve('@napi-rs/cli/package.json')
    return true
  } catch {
    return false
  }
}

/** napi's platform suffix of the addon file: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
function platformSuffix() {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** Builds the cdylib with cargo and copies it to `<binaryName>.<platform>.node`. */
function cargoBuild() {
  run('cargo', ['build', '--profile', profile, '--manifest-path', join(root, 'Cargo.toml')])
  const metadata = spawnSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: root, encoding: 'utf8' })
  if (metadata.status !== 0) process.exit(metadata.status ?? 1)
  const targetDir = JSON.parse(metadata.stdout).target_directory
  const lib = { win32: 'trino_platform_node.dll', darwin: 'libtrino_platform_node.dylib' }[process.platform] ?? 'libtrino_platform_node.so'
  copyFileSync(join(targetDir, profile, lib), join(root, `${napi.binaryName}.${platformSuffix()}.node`))
}

if (loads()) {
  console.log('trino-platform: native addon present; `npm run build` rebuilds it')
} else {
  if (spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error('trino-platform: building the native addon needs Rust: install it from https://rustup.rs, then retry')
    process.exit(1)
  }
  if (hasNapiCli()) {
    console.log('trino-platform: building the native addon from source (npm run build)')
    // npm sets npm_execpath to its own CLI when it runs a lifecycle script.
    const npm = process.env.npm_execpath
    npm ? run(process.execPath, [npm, 'run', 'build']) : run('npm', ['run', 'build'])
  } else {
    console.log(`trino-platform: building the native addon from source (cargo build --profile ${profile})`)
    cargoBuild()
  }
  if (!loads()) process.exit(1)
}
