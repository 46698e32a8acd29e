'use strict'
// Packs leakguard the way napi-rs projects publish: the main package (JS, types,
// the generated loader) with the platform packages as optionalDependencies,
// and one package per platform holding its prebuilt `.node`.
//   node scripts/pack.js <out-dir>     (after `npm run build`)
// Prints the tarballs' paths as JSON. Nothing is published.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const napiCli = path.join(path.dirname(require.resolve('@napi-rs/cli/package.json')), 'dist', 'cli.js')

/** Runs npm (the one running this script, or on PATH) with `args` in `cwd`; returns stdout. */
function npm(args, cwd) {
  const cli = process.env.npm_execpath
  const [file, argv] = cli && cli.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', args]
  return execFileSync(file, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function main() {
  const out = path.resolve(process.argv[2] || path.join(root, 'dist'))
  fs.mkdirSync(out, { recursive: true })
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))

  // The platform packages: `napi artifacts` copies each built `.node` into its
  // folder under npm/ (made by `napi create-npm-dirs`). It runs on a staged
  // copy: it also reconciles the package's root entry, and in the
  // repository that would replace index.js for a moment under any process
  // loading the package then (the test suite runs files in parallel).
  const artifactsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-artifacts-'))
  fs.copyFileSync(path.join(root, 'package.json'), path.join(artifactsRoot, 'package.json'))
  for (const file of fs.readdirSync(root).filter((f) => f.endsWith('.node'))) fs.copyFileSync(path.join(root, file), path.join(artifactsRoot, file))
  fs.cpSync(path.join(root, 'npm'), path.join(artifactsRoot, 'npm'), { recursive: true })
  execFileSync(process.execPath, [napiCli, 'artifacts', '--cwd', artifactsRoot, '--output-dir', '.', '--npm-dir', 'npm'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const npmDir = path.join(artifactsRoot, 'npm')
  const platforms = fs.readdirSync(npmDir).filter((d) => fs.existsSync(path.join(npmDir, d, 'package.json')))
  const tarballs = { main: null, platforms: {} }
  const optionalDependencies = {}
  for (const dir of platforms) {
    const pkg = JSON.parse(fs.readFileSync(path.join(npmDir, dir, 'package.json'), 'utf8'))
    if (!fs.existsSync(path.join(npmDir, dir, pkg.main))) continue
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', out], path.join(npmDir, dir)))
    tarballs.platforms[pkg.name] = path.join(out, packed.filename)
    optionalDependencies[pkg.name] = pkg.version
  }

  // The main package, staged with its optionalDependencies (as `napi
  // pre-publish` sets them at publish time), so the repository's own
  // `npm install` never looks for unpublished platform packages.
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-stage-'))
  try {
    const [listing] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root))
    for (const { path: file } of listing.files) {
      fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true })
      fs.copyFileSync(path.join(root, file), path.join(stage, file))
    }
    const staged = { ...manifest, optionalDependencies }
    delete staged.devDependencies
    delete staged.scripts
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`)
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', out], stage))
    tarballs.main = path.join(out, packed.filename)
  } finally {
    fs.rmSync(stage, { recursive: true, force: true })
    fs.rmSync(artifactsRoot, { recursive: true, force: true })
  }
  process.stdout.write(`${JSON.stringify(tarballs)}\n`)
}

main()
