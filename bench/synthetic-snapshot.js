'use strict'
// Writes synthetic V8 heap snapshots of any size, streamed (never whole in
// memory): a base, and a target of the same process where some leaf objects
// were replaced (one in 50), and a leak added `leaked` Carts to a Map held
// by a closure. Node k is the same object (same id, class, size, edges) in both,
// as V8 keeps ids within one process. Shape: a tree from the global object
// (three children a node) plus cross links, ~2.9 edges a node, and some weak
// edges; 55 % objects of 300 classes, strings, arrays, closures, code.
//
//   node bench/synthetic-snapshot.js <file> <nodes> [leaked]

const fs = require('node:fs')

const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape']
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak']
const T = Object.fromEntries(NODE_TYPES.map((t, i) => [t, i]))
const E = Object.fromEntries(EDGE_TYPES.map((t, i) => [t, i]))
const NODE_FIELDS = 7
const CLASSES = 300
const PROPERTIES = 2000
const STRING_VALUES = 200_000
/** Objects that die between base and target: one in this many. */
const CHURN = 50
const FIRST_BODY = 3

/** A 32-bit hash of (k, salt): the generator's only randomness, so both snapshots agree. */
function hash(k, salt) {
  let h = (k * 0x9e3779b1 + salt * 0x85ebca77) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d) >>> 0
  h ^= h >>> 15
  h = Math.imul(h, 0x846ca68b) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** Strings: '' and the root names, class names, property names, string values. */
const STR = { empty: 0, gcRoots: 1, global: 2, cart: 3, map: 4, registry: 5, carts: 6, table: 7, context: 8, systemContext: 9, id: 10 }
const FIXED = ['', '(GC roots)', 'global', 'Cart', 'Map', 'makeRegistry', 'carts', 'table', 'context', 'system / Context', 'id']
const classString = (c) => FIXED.length + c
const propertyString = (p) => FIXED.length + CLASSES + p
const valueString = (v) => FIXED.length + CLASSES + PROPERTIES + v

function bodyKind(k) {
  const r = hash(k, 1) % 100
  if (r < 55) return 'object'
  if (r < 80) return 'string'
  if (r < 90) return 'array'
  if (r < 95) return 'closure'
  return 'code'
}

/** One body node: [type, name, selfSize, crossEdges]. */
function bodyNode(k) {
  const kind = bodyKind(k)
  switch (kind) {
    case 'object':
      return [T.object, classString(hash(k, 2) % CLASSES), 16 + 8 * (hash(k, 3) % 8), 3]
    case 'string':
      return [T.string, valueString(hash(k, 2) % STRING_VALUES), 16 + (hash(k, 3) % 48), 0]
    case 'array':
      return [T.array, STR.empty, 16 + 8 * (hash(k, 3) % 32), 2]
    case 'closure':
      return [T.closure, propertyString(hash(k, 2) % PROPERTIES), 32, 1]
    default:
      return [T.code, propertyString(hash(k, 2) % PROPERTIES), 64, 0]
  }
}

/**
 * The snapshot's plan: which body nodes exist, their ids and edges.
 * `target` drops every CHURN-th object and re-creates it under a new id,
 * and adds the leak.
 */
function plan(bodyNodes, leaked, target) {
  const last = FIRST_BODY + bodyNodes // index past the body
  // Only leaves are replaced (a churned object drags no subtree along).
  const leaf = (k) => 3 * (k - 2) + FIRST_BODY >= last
  const idOf = (k) => (target && k >= FIRST_BODY && leaf(k) && hash(k, 9) % CHURN === 0 ? 2 * (k + 4 * bodyNodes) + 1 : 2 * k + 1)
  const children = (k) => {
    // Tree: node k (k >= 2) has children 3(k-2)+3 .. +2.
    const out = []
    for (let c = 3 * (k - 2) + FIRST_BODY; c < 3 * (k - 2) + FIRST_BODY + 3; c++) if (k >= 2 && c < last) out.push(c)
    return out
  }
  return { last, idOf, children, leaked: target ? leaked : 0 }
}

function* nodesAndEdges(p) {
  // Yields [type, name, id, size, edges[]] with edges as [type, name, toIndex].
  const leakStart = p.last
  const { leaked } = p
  const holder = leakStart // closure makeRegistry
  yield [T.synthetic, STR.empty, 1, 0, [[E.element, 1, 1], [E.shortcut, STR.global, 2]]]
  yield [T.synthetic, STR.gcRoots, 3, 0, [[E.element, 1, 2]]]
  const globalEdges = p.children(2).map((c, i) => [E.property, propertyString(i), c])
  globalEdges.push([E.property, STR.registry, holder])
  yield [T.object, STR.global, 5, 64, globalEdges]
  for (let k = FIRST_BODY; k < p.last; k++) {
    const [type, name, size, cross] = bodyNode(k)
    const edges = p.children(k).map((c, i) => [type === T.array ? E.element : E.property, type === T.array ? i : propertyString(hash(c, 4) % PROPERTIES), c])
    for (let j = 0; j < cross; j++) {
      const to = FIRST_BODY + (hash(k, 10 + j) % (p.last - FIRST_BODY))
      const weak = hash(k, 20 + j) % 20 === 0
      edges.push(weak ? [E.weak, STR.empty, to] : [type === T.array ? E.element : E.property, type === T.array ? edges.length : propertyString(hash(k, 30 + j) % PROPERTIES), to])
    }
    yield [type, name, p.idOf(k), size, edges]
  }
  // The registry exists in both snapshots; only the target's Map holds Carts.
  {
    const base = 2 * (6 * p.last) + 1
    const ctx = holder + 1
    const map = holder + 2
    const table = holder + 3
    const firstCart = holder + 4
    yield [T.closure, STR.registry, base, 32, [[E.internal, STR.context, ctx]]]
    yield [T.object, STR.systemContext, base + 2, 24, [[E.context, STR.carts, map]]]
    yield [T.object, STR.map, base + 4, 16, [[E.internal, STR.table, table]]]
    const cartEdges = []
    for (let i = 0; i < leaked; i++) cartEdges.push([E.element, i, firstCart + 2 * i])
    // V8 reallocates a Map's table as it grows: a new id.
    yield [T.array, STR.empty, base + 6 + 4 * leaked, 16 + 8 * leaked, cartEdges]
    for (let i = 0; i < leaked; i++) {
      yield [T.object, STR.cart, base + 10 + 4 * leaked + 4 * i, 40, [[E.property, STR.id, firstCart + 2 * i + 1]]]
      yield [T.string, valueString(i % STRING_VALUES), base + 12 + 4 * leaked + 4 * i, 24, []]
    }
  }
}

class ChunkWriter {
  constructor(fd) {
    this.fd = fd
    this.parts = []
    this.size = 0
    this.written = 0
  }
  write(text) {
    this.parts.push(text)
    this.size += text.length
    if (this.size > 1 << 20) this.flush()
  }
  flush() {
    const buf = Buffer.from(this.parts.join(''))
    fs.writeSync(this.fd, buf)
    this.written += buf.length
    this.parts = []
    this.size = 0
  }
}

/** Writes a snapshot of `bodyNodes` objects (+3 roots, + the leak in a target) to `file`; returns its size and counts. */
function writeSyntheticSnapshot(file, { bodyNodes, leaked = 0, target = false }) {
  const p = plan(bodyNodes, leaked, target)
  let nodeCount = 0
  let edgeCount = 0
  for (const [, , , , edges] of nodesAndEdges(p)) {
    nodeCount++
    edgeCount += edges.length
  }
  const fd = fs.openSync(file, 'w', 0o600)
  const w = new ChunkWriter(fd)
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  }
  w.write(`{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${nodeCount},"edge_count":${edgeCount},"trace_function_count":0},\n"nodes":[`)
  let first = true
  for (const [type, name, id, size, edges] of nodesAndEdges(p)) {
    w.write(`${first ? '' : ',\n'}${type},${name},${id},${size},${edges.length},0,0`)
    first = false
  }
  w.write('],\n"edges":[')
  first = true
  for (const [, , , , edges] of nodesAndEdges(p)) {
    for (const [type, name, to] of edges) {
      w.write(`${first ? '' : ',\n'}${type},${name},${to * NODE_FIELDS}`)
      first = false
    }
  }
  w.write('],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[')
  const strings = [...FIXED]
  for (let c = 0; c < CLASSES; c++) strings.push(`Class${c}`)
  for (let q = 0; q < PROPERTIES; q++) strings.push(`prop${q}`)
  for (let v = 0; v < STRING_VALUES; v++) strings.push(`value-${v}`)
  w.write(strings.map((s) => JSON.stringify(s)).join(',\n'))
  w.write(']}')
  w.flush()
  fs.closeSync(fd)
  return { bytes: w.written, nodes: nodeCount, edges: edgeCount }
}

module.exports = { writeSyntheticSnapshot }

if (require.main === module) {
  const [file, nodes, leaked = '0'] = process.argv.slice(2)
  const info = writeSyntheticSnapshot(file, { bodyNodes: Number(nodes), leaked: Number(leaked), target: Number(leaked) > 0 })
  console.log(JSON.stringify(info))
}
