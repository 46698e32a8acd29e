//! A heap snapshot's graph in struct-of-arrays form: a few bytes per node
//! and per edge, strings in one arena. Nodes are numbered 0.. in file order
//! (node 0 is the root); node `n`'s edges are `first_edge[n]..first_edge[n + 1]`.

use std::collections::HashMap;

use super::word_hasher::WordMap;

/// Bits of [`HeapGraph::edge_target`] that hold the target node.
pub const TARGET_BITS: u32 = 28;
/// Nodes a graph can hold (2^28 - 1: a snapshot of some 20 GB).
pub const MAX_NODES: u64 = (1 << TARGET_BITS) - 1;
/// Edge types a graph can tell apart.
pub const MAX_EDGE_TYPES: usize = 1 << (32 - TARGET_BITS);

/// Packs an edge's target and type.
pub fn pack_edge(to: u32, edge_type: u8) -> u32 {
    to | (edge_type as u32) << TARGET_BITS
}

/// Self sizes at or past this are kept in [`HeapGraph::big_sizes`].
pub const BIG_SIZE: u32 = u32::MAX;

/// The type codes of the node and edge types an analysis needs, looked up by
/// name in the snapshot's meta (a type the meta lacks matches nothing).
#[derive(Clone, Debug, Default)]
pub struct TypeCodes {
    /// Edge type `weak`.
    pub weak: Option<u8>,
    /// Edge type `shortcut`.
    pub shortcut: Option<u8>,
    /// Edge type `element`.
    pub element: Option<u8>,
    /// Edge type `hidden`.
    pub hidden_edge: Option<u8>,
    /// Edge type `internal`.
    pub internal: Option<u8>,
    /// Edge type `context`.
    pub context: Option<u8>,
    /// Edge type `property`.
    pub property: Option<u8>,
    /// Node type `object`.
    pub object: Option<u8>,
    /// Node type `closure`.
    pub closure: Option<u8>,
    /// Node type `synthetic`.
    pub synthetic: Option<u8>,
}

impl TypeCodes {
    /// Codes for the given type name lists.
    pub fn new(node_types: &[String], edge_types: &[String]) -> Self {
        let n = |name: &str| node_types.iter().position(|t| t == name).map(|i| i as u8);
        let e = |name: &str| edge_types.iter().position(|t| t == name).map(|i| i as u8);
        TypeCodes {
            weak: e("weak"),
            shortcut: e("shortcut"),
            element: e("element"),
            hidden_edge: e("hidden"),
            internal: e("internal"),
            context: e("context"),
            property: e("property"),
            object: n("object"),
            closure: n("closure"),
            synthetic: n("synthetic"),
        }
    }
}

/// Where V8 says an object's constructor (or a closure's function) is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// The node it belongs to.
    pub node: u32,
    /// V8's script id.
    pub script_id: u32,
    /// Zero-based line.
    pub line: u32,
    /// Zero-based column.
    pub column: u32,
}

/// A function of the allocation traces (snapshots taken with allocation tracking).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceFunction {
    /// Its name (string index).
    pub name: u32,
    /// Its script's name (string index).
    pub script: u32,
    /// Line as V8 writes it (0: unknown).
    pub line: u32,
    /// Column as V8 writes it.
    pub column: u32,
}

/// Strings stored end to end.
#[derive(Clone, Debug, Default)]
pub struct StringArena {
    /// UTF-8 text of every string.
    pub bytes: Vec<u8>,
    /// Where each string ends in `bytes`.
    pub ends: Vec<usize>,
}

impl StringArena {
    /// String `i`, or "" past the end.
    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        if i >= self.ends.len() {
            return "";
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        // Every string was pushed as valid UTF-8.
        std::str::from_utf8(&self.bytes[start..self.ends[i]]).unwrap_or("")
    }

    /// How many strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// A heap snapshot's nodes, edges, strings and locations.
#[derive(Clone, Debug, Default)]
pub struct HeapGraph {
    /// Node type names from the meta (index = type code).
    pub node_type_names: Vec<String>,
    /// Edge type names from the meta (index = type code).
    pub edge_type_names: Vec<String>,
    /// Codes of the types analyses look for.
    pub codes: TypeCodes,
    /// Per node: type code.
    pub node_type: Vec<u8>,
    /// Per node: name (string index).
    pub node_name: Vec<u32>,
    /// Per node: V8's object id, stable between snapshots of one process.
    pub node_id: Vec<u32>,
    /// Per node: self size in bytes, or [`BIG_SIZE`] (see `big_sizes`).
    pub self_size: Vec<u32>,
    /// Self sizes of [`BIG_SIZE`] or more, by node.
    pub big_sizes: HashMap<u32, u64>,
    /// Per node plus one: index of its first edge (empty when edges were not kept).
    pub first_edge: Vec<u32>,
    /// Per edge: target node in the low [`TARGET_BITS`] bits, type code above
    /// (one array: a DFS reads both for every edge).
    pub edge_target: Vec<u32>,
    /// Per edge: name (string index) or element index, as the type says.
    pub edge_name: Vec<u32>,
    /// The strings.
    pub strings: StringArena,
    /// Locations, sorted by node.
    pub locations: Vec<Location>,
    /// Edges the file holds (kept or not).
    pub edges_read: u64,
    /// Per node: its allocation trace node (empty without allocation tracking).
    pub trace_node: Vec<u32>,
    /// The allocation traces' functions.
    pub trace_functions: Vec<TraceFunction>,
    /// Allocation trace nodes: id → (function index, parent id).
    pub trace_tree: HashMap<u32, (u32, u32)>,
    /// WeakMap ephemeron edge names (string index) and the table node each names.
    pub ephemeron_tables: WordMap<u32, u32>,
    /// A bit per string: whether it is a WeakMap ephemeron edge name (the
    /// map is looked up only then; internal edges are many).
    pub ephemeron_names: Vec<u64>,
}

impl HeapGraph {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.node_type.len()
    }

    /// Number of edges kept.
    pub fn edge_count(&self) -> usize {
        self.edge_target.len()
    }

    /// Edge `e`'s target node.
    #[inline]
    pub fn edge_to(&self, e: usize) -> u32 {
        self.edge_target[e] & MAX_NODES as u32
    }

    /// Edge `e`'s type code.
    #[inline]
    pub fn edge_type(&self, e: usize) -> u8 {
        (self.edge_target[e] >> TARGET_BITS) as u8
    }

    /// Whether edges were kept (a full load).
    pub fn has_edges(&self) -> bool {
        !self.first_edge.is_empty()
    }

    /// Node `n`'s self size.
    pub fn size(&self, n: u32) -> u64 {
        let s = self.self_size[n as usize];
        if s == BIG_SIZE {
            self.big_sizes.get(&n).copied().unwrap_or(BIG_SIZE as u64)
        } else {
            s as u64
        }
    }

    /// Node `n`'s name.
    pub fn name(&self, n: u32) -> &str {
        self.strings.get(self.node_name[n as usize])
    }

    /// Node `n`'s type name.
    pub fn type_name(&self, n: u32) -> &str {
        self.node_type_names
            .get(self.node_type[n as usize] as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The edge indexes of node `n`.
    pub fn edges(&self, n: u32) -> std::ops::Range<usize> {
        self.first_edge[n as usize] as usize..self.first_edge[n as usize + 1] as usize
    }

    /// Whether edge `e`'s name is an element index rather than a string.
    pub fn edge_name_is_index(&self, e: usize) -> bool {
        let t = Some(self.edge_type(e));
        t == self.codes.element || t == self.codes.hidden_edge
    }

    /// Edge `e`'s name, if it has a string one.
    pub fn edge_name_str(&self, e: usize) -> Option<&str> {
        if self.edge_name_is_index(e) {
            None
        } else {
            Some(self.strings.get(self.edge_name[e]))
        }
    }

    /// The location of node `n`, if the snapshot has one.
    pub fn location(&self, n: u32) -> Option<Location> {
        self.locations
            .binary_search_by_key(&n, |l| l.node)
            .ok()
            .map(|i| self.locations[i])
    }

    /// Whether edge `e` from node `from` keeps its target alive, the way
    /// DevTools decides it for dominators: weak edges don't; shortcut edges
    /// don't except from the root (there they mark the global objects); the
    /// edge from a WeakMap's table to a value doesn't (the edge from the key
    /// stands for the pair).
    #[inline]
    pub fn is_retaining(&self, from: u32, e: usize) -> bool {
        let t = Some(self.edge_type(e));
        if t == self.codes.weak {
            return false;
        }
        if t == self.codes.shortcut {
            return from == 0;
        }
        if t == self.codes.internal && !self.ephemeron_tables.is_empty() {
            let name = self.edge_name[e];
            let named = self
                .ephemeron_names
                .get(name as usize / 64)
                .is_some_and(|bits| bits & 1 << (name % 64) != 0);
            if let Some(&table) = named.then(|| self.ephemeron_tables.get(&name)).flatten() {
                return from != table;
            }
        }
        true
    }

    /// The function (index in `trace_functions`) that allocated node `n`:
    /// the innermost of its allocation trace, when the snapshot has traces.
    pub fn allocating_function(&self, n: u32) -> Option<u32> {
        let trace = *self.trace_node.get(n as usize)?;
        let &(function, _) = self.trace_tree.get(&trace)?;
        ((function as usize) < self.trace_functions.len()).then_some(function)
    }

    /// Trace function `function` as `name (script:line:column)`.
    pub fn function_site(&self, function: u32) -> String {
        let Some(f) = self.trace_functions.get(function as usize) else {
            return String::new();
        };
        let name = match self.strings.get(f.name) {
            "" => "(anonymous)",
            other => other,
        };
        let script = self.strings.get(f.script);
        if script.is_empty() {
            name.to_string()
        } else if f.line == 0 {
            format!("{name} ({script})")
        } else {
            format!("{name} ({script}:{}:{})", f.line, f.column)
        }
    }

    /// Finds the WeakMap ephemeron edge names among the strings and the
    /// table node each names (once, after loading; ids are not needed after).
    pub fn index_ephemerons(&mut self) {
        let by_name: WordMap<u32, u64> = (0..self.strings.len() as u32)
            .filter_map(|i| weak_map_table_id(self.strings.get(i)).map(|t| (i, t)))
            .collect();
        if by_name.is_empty() {
            self.ephemeron_tables.clear();
            self.ephemeron_names.clear();
            return;
        }
        let wanted: WordMap<u64, ()> = by_name.values().map(|&t| (t, ())).collect();
        let node_of: WordMap<u64, u32> = (0..self.node_count() as u32)
            .filter(|&n| wanted.contains_key(&(self.node_id[n as usize] as u64)))
            .map(|n| (self.node_id[n as usize] as u64, n))
            .collect();
        self.ephemeron_tables = by_name
            .into_iter()
            .filter_map(|(s, t)| node_of.get(&t).map(|&n| (s, n)))
            .collect();
        self.ephemeron_names = vec![0; self.strings.len().div_ceil(64)];
        for &s in self.ephemeron_tables.keys() {
            self.ephemeron_names[s as usize / 64] |= 1 << (s % 64);
        }
    }
}

/// The table id in a WeakMap ephemeron edge name
/// (`"<n> / part of key (K @1) -> value (V @2) pair in WeakMap (table @3)"`).
pub fn weak_map_table_id(name: &str) -> Option<u64> {
    const HEAD: &str = " / part of key (";
    const TAIL: &str = " pair in WeakMap (table @";
    // Tested where the parts stand, without a search: a snapshot holds
    // millions of strings, and one of these for every WeakMap entry.
    let after_number = name.trim_start_matches(|c: char| c.is_ascii_digit());
    if after_number.len() == name.len() || !after_number.starts_with(HEAD) {
        return None;
    }
    let rest = name.strip_suffix(')')?;
    let at = rest.rfind('@')?;
    if !rest[..=at].ends_with(TAIL) {
        return None;
    }
    rest[at + 1..].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_map_edge_names_give_their_table() {
        assert_eq!(
            weak_map_table_id(
                "3 / part of key (Object @81) -> value (Cart @83) pair in WeakMap (table @79)"
            ),
            Some(79)
        );
        assert_eq!(weak_map_table_id("table"), None);
        assert_eq!(weak_map_table_id("x pair in WeakMap (table @79)"), None);
        assert_eq!(weak_map_table_id("3 pair in WeakMap (table @79)"), None);
        assert_eq!(
            weak_map_table_id("3 / part of key (Object @81) -> value (Cart @83)"),
            None
        );
        assert_eq!(
            weak_map_table_id("3 / part of key (a @1) -> value (b @2) pair in WeakMap (table @x)"),
            None
        );
    }

    #[test]
    fn edges_reach_nodes_past_16_7_million() {
        let mut g = HeapGraph::default();
        g.edge_target.push(pack_edge(20_000_000, 6));
        g.edge_target
            .push(pack_edge(MAX_NODES as u32, (MAX_EDGE_TYPES - 1) as u8));
        assert_eq!((g.edge_to(0), g.edge_type(0)), (20_000_000, 6));
        assert_eq!((g.edge_to(1), g.edge_type(1)), (MAX_NODES as u32, 15));
    }

    #[test]
    fn string_arena_returns_each_string() {
        let mut a = StringArena::default();
        for s in ["", "ab", "é"] {
            a.bytes.extend_from_slice(s.as_bytes());
            a.ends.push(a.bytes.len());
        }
        assert_eq!(
            (a.get(0), a.get(1), a.get(2), a.get(9)),
            ("", "ab", "é", "")
        );
    }
}
