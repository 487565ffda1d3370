// A Kubernetes API server for the bundle tests: the **fake** of the core's tests
// (trino-platform-core/tests/support/kube_fake.rs), served over plain HTTP by the harness
// binary `tp-load kube-fake --kubeconfig FILE` (trino-platform-load), which writes a kubeconfig
// for it, prints its URL on its first stdout line and serves until killed.
//
// It is a fake because no Kubernetes API server can run here (no container runtime, no etcd,
// no kube-apiserver binary). It follows the real API's documented paths, status codes and JSON
// for everything trino-platform uses, as its doc comment lists: server-side apply with field
// ownership and dry run, `Status` errors, LIST, DELETE with preconditions and finalizers,
// server-set fields and defaults, and simulated controllers (Deployments roll out, KubeBlocks
// Clusters come up, deleted objects are finalized). The bundles reach it through the
// kubeconfig, as they reach a real cluster.
//
// scripts/test builds the binary (`cargo build --profile ci -p trino-platform-load`) into
// CARGO_TARGET_DIR (default ~/.cache/trino-platform/target); the suite fails without it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/** Where scripts/test builds `tp-load`. */
export function tpLoadPath() {
  const target = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'trino-platform', 'target')
  return join(target, 'ci', 'tp-load')
}

/**
 * Starts `tp-load kube-fake`, writing its kubeconfig to `kubeconfig`; resolves with `{ url,
 * kubeconfig, stop }` once it serves (`stop()` kills it). Throws a message saying how to build
 * it when the binary is missing.
 */
export async function startKubeFake(kubeconfig) {
  const binary = tpLoadPath()
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: build it with \`cargo build --profile ci -p trino-platform-load\` (scripts/test does)`)
  }
  const child = spawn(binary, ['kube-fake', '--kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
  const lines = createInterface({ input: child.stdout })
  const url = await new Promise((resolve, reject) => {
    lines.once('line', resolve)
    child.once('error', reject)
    child.once('exit', (status) => reject(new Error(`tp-load kube-fake exited (${status}) before serving: ${stderr}`)))
  })
  lines.close()
  return {
    url,
    kubeconfig,
    /** Stops the server (this process started it: killed by its own pid). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill()
      await exited
    },
  }
}
