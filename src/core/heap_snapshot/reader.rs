//! Reads a V8 `.heapsnapshot` as a stream into a [`HeapGraph`]. The field
//! layout comes from `snapshot.meta`; only the header is ever held as a JSON
//! value. Capacity reserved from the counts the header declares is capped by
//! the bytes left in the file, so an absurd count cannot make it allocate
//! more than the input could fill.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{SnapshotError, SnapshotErrorKind};
use super::graph::{
    pack_edge, HeapGraph, Location, StringArena, TraceFunction, TypeCodes, BIG_SIZE,
    MAX_EDGE_TYPES, MAX_NODES,
};
use super::huge_pages;
use super::json_stream::{JsonStream, JsonValue};

/// What to keep of a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadMode {
    /// Nodes, edges, strings and locations: everything the analyses use.
    Full,
    /// Nodes and strings only (ids and classes); edges are read and checked, not kept.
    NodesOnly,
}

/// Longest string kept (V8 writes long string values cut short, far below this).
const MAX_STRING_BYTES: usize = 256 << 20;

/// What each field of a node means to the reader.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeField {
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    TraceNodeId,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EdgeField {
    Type,
    Name,
    ToNode,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LocationField {
    Object,
    Script,
    Line,
    Column,
    Other,
}

/// The layout `snapshot.meta` declares.
struct Layout {
    node_fields: Vec<NodeField>,
    edge_fields: Vec<EdgeField>,
    location_fields: Vec<LocationField>,
    node_types: Vec<String>,
    edge_types: Vec<String>,
    node_count: Option<u64>,
    edge_count: Option<u64>,
    /// Functions in the allocation traces (0: the snapshot has none).
    trace_function_count: u64,
    /// Positions of name, script_name, line, column in a trace function info, and its field count.
    trace_function_fields: Option<([usize; 4], usize)>,
    /// Positions of id, function_info_index, children in a trace node, and its field count.
    trace_node_fields: Option<([usize; 3], usize)>,
}

/// Reads a snapshot file; `progress` (if given) follows the bytes read.
pub fn read_snapshot_file(
    path: &str,
    mode: LoadMode,
    progress: Option<&AtomicU64>,
) -> Result<HeapGraph, SnapshotError> {
    let file = File::open(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        SnapshotError::whole(
            SnapshotErrorKind::Io,
            path,
            format!("cannot open the file: {why}"),
        )
    })?;
    let meta = file.metadata().map_err(|e| {
        SnapshotError::whole(
            SnapshotErrorKind::Io,
            path,
            format!("cannot read the file: {e}"),
        )
    })?;
    if meta.is_dir() {
        return Err(SnapshotError::whole(
            SnapshotErrorKind::Io,
            path,
            "is a directory, not a snapshot file",
        ));
    }
    read_snapshot(
        ProgressReader {
            inner: file,
            read: 0,
            progress,
        },
        path,
        Some(meta.len()),
        mode,
    )
}

struct ProgressReader<'a, R: Read> {
    inner: R,
    read: u64,
    progress: Option<&'a AtomicU64>,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if let Some(p) = self.progress {
            p.store(self.read, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Reads a snapshot from `source`; `file` names it in errors and `length` (if known) caps reservations.
pub fn read_snapshot<R: Read>(
    source: R,
    file: &str,
    length: Option<u64>,
    mode: LoadMode,
) -> Result<HeapGraph, SnapshotError> {
    let mut reader = SectionReader {
        s: JsonStream::new(source, file),
        file,
        length,
        mode,
        graph: HeapGraph::default(),
        layout: None,
        nodes_read: false,
        edges_read: None,
        strings_read: false,
        max_name: None,
        max_target: None,
        edge_counts_total: 0,
    };
    reader.open()?;
    loop {
        let key_at = {
            reader.s.peek()?;
            reader.s.offset()
        };
        let key = reader.s.read_string(1 << 16)?;
        reader.s.expect(b':', "':'")?;
        let full = mode == LoadMode::Full;
        match key.as_str() {
            "snapshot" => reader.read_header()?,
            "nodes" => reader.read_nodes(key_at)?,
            "edges" => reader.read_edges(key_at)?,
            "locations" if full => reader.read_locations(key_at)?,
            "trace_function_infos" if full => reader.read_trace_function_infos()?,
            "trace_tree" if full => reader.read_trace_tree()?,
            "strings" => reader.read_strings()?,
            _ => reader.s.skip_value()?,
        }
        if !reader.s.next_item(b'}')? {
            break;
        }
    }
    reader.s.expect_end()?;
    reader.validate()
}

/// One snapshot being read: the stream, the graph it fills, one method per
/// top-level section, and what the sections said that [`Self::validate`]
/// checks against each other once all are read.
struct SectionReader<'a, R: Read> {
    s: JsonStream<R>,
    file: &'a str,
    length: Option<u64>,
    mode: LoadMode,
    graph: HeapGraph,
    layout: Option<Layout>,
    nodes_read: bool,
    edges_read: Option<u64>,
    strings_read: bool,
    /// The largest string index a node names, and where (checked once strings are read).
    max_name: Option<(u32, u64)>,
    /// The largest edge target seen before the nodes were, and where.
    max_target: Option<(u64, u64)>,
    edge_counts_total: u64,
}

impl<R: Read> SectionReader<'_, R> {
    /// The opening `{` of a non-empty JSON object.
    fn open(&mut self) -> Result<(), SnapshotError> {
        let s = &mut self.s;
        match s.peek()? {
            Some(b'{') => {}
            Some(_) => {
                return Err(s.format_at(
                    s.offset(),
                    "not a heap snapshot: the file is not a JSON object",
                ))
            }
            None => return Err(s.format_at(0, "not a heap snapshot: the file is empty")),
        }
        s.expect(b'{', "'{'")?;
        if s.peek()? == Some(b'}') {
            return Err(s.format_at(s.offset(), "not a heap snapshot: an empty JSON object"));
        }
        Ok(())
    }

    /// Bytes left in the file: reservations are capped by what it could fill.
    fn left(&self) -> u64 {
        self.length
            .map(|l| l.saturating_sub(self.s.offset()))
            .unwrap_or(u64::MAX)
    }

    /// The layout a section needs, or an error naming it when the header has not come yet.
    fn layout_for(&self, key_at: u64, what: &str) -> Result<&Layout, SnapshotError> {
        self.layout.as_ref().ok_or_else(|| {
            self.s.format_at(
                key_at,
                format!("not a heap snapshot: '{what}' comes before the 'snapshot' header that describes it"),
            )
        })
    }

    /// `snapshot`: the header, whose `meta` gives every other section's layout.
    fn read_header(&mut self) -> Result<(), SnapshotError> {
        let at = {
            self.s.peek()?;
            self.s.offset()
        };
        let header = self.s.read_value()?;
        let parsed = parse_layout(&header).map_err(|m| self.s.format_at(at, m))?;
        self.graph.node_type_names = parsed.node_types.clone();
        self.graph.edge_type_names = parsed.edge_types.clone();
        self.graph.codes = TypeCodes::new(&parsed.node_types, &parsed.edge_types);
        self.layout = Some(parsed);
        Ok(())
    }

    /// `nodes`: type, name, id, size and edge count of each node, checked as read.
    fn read_nodes(&mut self, key_at: u64) -> Result<(), SnapshotError> {
        let (file, mode) = (self.file, self.mode);
        let l = self.layout_for(key_at, "nodes")?;
        let nf = l.node_fields.len();
        let node_count = l.node_count;
        let n_types = l.node_types.len() as u64;
        let keep_traces = mode == LoadMode::Full && l.trace_function_count > 0;
        let fields = l.node_fields.clone();
        let cap = node_count.unwrap_or(0).min(self.left() / (2 * nf as u64)) as usize;
        let graph = &mut self.graph;
        graph.node_type = huge_pages::with_capacity(cap);
        graph.node_name = huge_pages::with_capacity(cap);
        graph.node_id = huge_pages::with_capacity(cap);
        graph.self_size = huge_pages::with_capacity(cap);
        if mode == LoadMode::Full {
            graph.first_edge = huge_pages::with_capacity(cap + 1);
            graph.first_edge.push(0);
        }
        if keep_traces {
            graph.trace_node = huge_pages::with_capacity(cap);
        }
        let mut node: u64 = 0;
        let max_name = &mut self.max_name;
        let edge_counts_total = &mut self.edge_counts_total;
        let at_field = |f: NodeField| fields.iter().position(|&x| x == f);
        let (ti, ni, ii, si, ei) = (
            at_field(NodeField::Type).unwrap_or(0),
            at_field(NodeField::Name).unwrap_or(0),
            at_field(NodeField::Id).unwrap_or(0),
            at_field(NodeField::SelfSize).unwrap_or(0),
            at_field(NodeField::EdgeCount).unwrap_or(0),
        );
        let trace_at = at_field(NodeField::TraceNodeId).filter(|_| keep_traces);
        let full = mode == LoadMode::Full;
        let partial = self.s.read_uint_rows("'nodes'", nf, |row, offsets| {
            // The usual row, checked at once; any doubt goes field by field
            // below, which names the first bad value.
            let (ty, name, id, size) = (row[ti], row[ni], row[ii], row[si]);
            let total = edge_counts_total.saturating_add(row[ei]);
            if ty < n_types
                && name <= u32::MAX as u64
                && id <= u32::MAX as u64
                && size < BIG_SIZE as u64
                && total <= u32::MAX as u64
                && node < MAX_NODES
            {
                graph.node_type.push(ty as u8);
                if max_name.is_none_or(|(m, _)| name as u32 > m) {
                    *max_name = Some((name as u32, offsets[ni]));
                }
                graph.node_name.push(name as u32);
                graph.node_id.push(id as u32);
                graph.self_size.push(size as u32);
                *edge_counts_total = total;
                if full {
                    graph.first_edge.push(total as u32);
                }
                if let Some(t) = trace_at {
                    graph.trace_node.push(row[t].min(u32::MAX as u64) as u32);
                }
                node += 1;
                return Ok(());
            }
            for (k, (&v, &at)) in row.iter().zip(offsets).enumerate() {
                match fields[k] {
                    NodeField::Type => {
                        if v >= n_types {
                            return Err(format_error(
                                file,
                                at,
                                format!("node type {v} is not one of the {n_types} the meta lists"),
                            ));
                        }
                        graph.node_type.push(v as u8);
                    }
                    NodeField::Name => {
                        let v = to_u32(file, at, v, "node name index")?;
                        if max_name.is_none_or(|(m, _)| v > m) {
                            *max_name = Some((v, at));
                        }
                        graph.node_name.push(v);
                    }
                    NodeField::Id => graph.node_id.push(to_u32(file, at, v, "node id")?),
                    NodeField::SelfSize => {
                        if v >= BIG_SIZE as u64 {
                            graph.big_sizes.insert(node as u32, v);
                            graph.self_size.push(BIG_SIZE);
                        } else {
                            graph.self_size.push(v as u32);
                        }
                    }
                    NodeField::EdgeCount => {
                        *edge_counts_total = edge_counts_total.saturating_add(v);
                        if *edge_counts_total > u32::MAX as u64 {
                            return Err(format_error(
                                file,
                                at,
                                "more than 4,294,967,295 edges in all",
                            ));
                        }
                        if mode == LoadMode::Full {
                            graph.first_edge.push(*edge_counts_total as u32);
                        }
                    }
                    NodeField::TraceNodeId => {
                        if keep_traces {
                            graph.trace_node.push(v.min(u32::MAX as u64) as u32);
                        }
                    }
                    NodeField::Other => {}
                }
            }
            node += 1;
            if node > MAX_NODES {
                return Err(format_error(
                    file,
                    offsets[offsets.len() - 1],
                    format!("more than {MAX_NODES} nodes: past what leakguard reads"),
                ));
            }
            Ok(())
        })?;
        let s = &self.s;
        if partial != 0 {
            return Err(s.format_at(s.offset(), format!("the 'nodes' array ends inside a node: its length is not a multiple of the {nf} node fields")));
        }
        let count = self.graph.node_type.len() as u64;
        if let Some(declared) = node_count {
            if declared != count {
                return Err(s.format_at(
                    s.offset(),
                    format!("the meta declares {declared} nodes; the 'nodes' array holds {count}"),
                ));
            }
        }
        if count == 0 {
            return Err(s.format_at(s.offset(), "the snapshot has no nodes (not even the root)"));
        }
        if let Some((target, at)) = self.max_target {
            if target >= count {
                return Err(format_error(
                    file,
                    at,
                    format!("an edge points to node {target}; there are {count}"),
                ));
            }
        }
        self.nodes_read = true;
        Ok(())
    }

    /// `edges`: each edge's type, name and target node, checked against the nodes.
    fn read_edges(&mut self, key_at: u64) -> Result<(), SnapshotError> {
        let (file, mode) = (self.file, self.mode);
        let l = self.layout_for(key_at, "edges")?;
        let ef = l.edge_fields.len();
        let nf = l.node_fields.len() as u64;
        let declared_edges = l.edge_count;
        let e_types = l.edge_types.len() as u64;
        let fields = l.edge_fields.clone();
        let bound = if self.nodes_read {
            Some(self.graph.node_type.len() as u64)
        } else {
            l.node_count
        };
        if mode == LoadMode::Full {
            let cap = declared_edges
                .unwrap_or(0)
                .min(self.left() / (2 * ef as u64)) as usize;
            self.graph.edge_target = huge_pages::with_capacity(cap);
            self.graph.edge_name = huge_pages::with_capacity(cap);
        }
        let mut count = 0u64;
        let (mut edge_type, mut edge_to) = (0u8, 0u32);
        let graph = &mut self.graph;
        let max_target = &mut self.max_target;
        let at_field = |f: EdgeField| fields.iter().position(|&x| x == f).unwrap_or(0);
        let (ti, ni, toi) = (
            at_field(EdgeField::Type),
            at_field(EdgeField::Name),
            at_field(EdgeField::ToNode),
        );
        let node_of = NodeOffset::new(nf);
        let full = mode == LoadMode::Full;
        let partial = self.s.read_uint_rows("'edges'", ef, |row, offsets| {
            // The usual row, checked at once; any doubt goes field by field
            // below, which names the first bad value.
            let (ty, name) = (row[ti], row[ni]);
            if let (Some(b), Some(target)) = (bound, node_of.node(row[toi])) {
                if ty < e_types && name <= u32::MAX as u64 && target < b && target <= MAX_NODES {
                    count += 1;
                    if full {
                        graph.edge_name.push(name as u32);
                        graph.edge_target.push(pack_edge(target as u32, ty as u8));
                    }
                    return Ok(());
                }
            }
            for (k, (&v, &at)) in row.iter().zip(offsets).enumerate() {
            match fields[k] {
                EdgeField::Type => {
                    if v >= e_types {
                        return Err(format_error(file, at, format!("edge type {v} is not one of the {e_types} the meta lists")));
                    }
                    edge_type = v as u8;
                }
                EdgeField::Name => {
                    let v = to_u32(file, at, v, "edge name")?;
                    if mode == LoadMode::Full {
                        graph.edge_name.push(v);
                    }
                }
                EdgeField::ToNode => {
                    if v % nf != 0 {
                        return Err(format_error(file, at, format!("edge target {v} is not a multiple of the {nf} node fields")));
                    }
                    let target = v / nf;
                    if target > MAX_NODES {
                        return Err(format_error(file, at, format!("an edge points to node {target}, past the {MAX_NODES} nodes leakguard reads")));
                    }
                    match bound {
                        Some(b) if target >= b => {
                            return Err(format_error(file, at, format!("an edge points to node {target}; there are {b}")))
                        }
                        None if max_target.is_none_or(|(m, _)| target > m) => *max_target = Some((target, at)),
                        _ => {}
                    }
                    edge_to = target as u32;
                }
                EdgeField::Other => {}
            }
            }
            count += 1;
            if mode == LoadMode::Full {
                graph.edge_target.push(pack_edge(edge_to, edge_type));
            }
            Ok(())
        })?;
        let s = &self.s;
        if partial != 0 {
            return Err(s.format_at(s.offset(), format!("the 'edges' array ends inside an edge: its length is not a multiple of the {ef} edge fields")));
        }
        if let Some(declared) = declared_edges {
            if declared != count {
                return Err(s.format_at(
                    s.offset(),
                    format!("the meta declares {declared} edges; the 'edges' array holds {count}"),
                ));
            }
        }
        self.edges_read = Some(count);
        self.graph.edges_read = count;
        Ok(())
    }

    /// `locations`: where the functions' and objects' code is, by node.
    fn read_locations(&mut self, key_at: u64) -> Result<(), SnapshotError> {
        let l = self.layout_for(key_at, "locations")?;
        let fields = l.location_fields.clone();
        if fields.is_empty() {
            return self.s.skip_value();
        }
        let nf = l.node_fields.len() as u64;
        let mut k = 0;
        let mut current = Location {
            node: 0,
            script_id: 0,
            line: 0,
            column: 0,
        };
        let mut valid = true;
        let locations = &mut self.graph.locations;
        self.s.read_uint_array("'locations'", |v, _| {
            match fields[k] {
                LocationField::Object => {
                    valid = v % nf == 0 && v / nf <= u32::MAX as u64;
                    current.node = (v / nf) as u32;
                }
                LocationField::Script => current.script_id = v.min(u32::MAX as u64) as u32,
                LocationField::Line => current.line = v.min(u32::MAX as u64) as u32,
                LocationField::Column => current.column = v.min(u32::MAX as u64) as u32,
                LocationField::Other => {}
            }
            k += 1;
            if k == fields.len() {
                k = 0;
                // A location that names no node is dropped: it explains nothing.
                if valid {
                    locations.push(current);
                }
            }
            Ok(())
        })?;
        self.graph.locations.sort_unstable_by_key(|l| l.node);
        Ok(())
    }

    /// `trace_function_infos`: the functions allocation traces name (with `--track-heap-objects`).
    fn read_trace_function_infos(&mut self) -> Result<(), SnapshotError> {
        let Some((at, nf)) = self.layout.as_ref().and_then(|l| l.trace_function_fields) else {
            return self.s.skip_value();
        };
        let mut k = 0;
        let mut current = TraceFunction::default();
        let functions = &mut self.graph.trace_functions;
        self.s.read_uint_array("'trace_function_infos'", |v, _| {
            let v = v.min(u32::MAX as u64) as u32;
            if k == at[0] {
                current.name = v;
            } else if k == at[1] {
                current.script = v;
            } else if k == at[2] {
                current.line = v;
            } else if k == at[3] {
                current.column = v;
            }
            k += 1;
            if k == nf {
                k = 0;
                functions.push(current);
            }
            Ok(())
        })
    }

    /// `trace_tree`: the allocation traces themselves.
    fn read_trace_tree(&mut self) -> Result<(), SnapshotError> {
        match self.layout.as_ref().and_then(|l| l.trace_node_fields) {
            Some((at, nf)) => read_trace_tree(&mut self.s, at, nf, &mut self.graph.trace_tree),
            None => self.s.skip_value(),
        }
    }

    /// `strings`: every name, kept in one arena.
    fn read_strings(&mut self) -> Result<(), SnapshotError> {
        let arena: &mut StringArena = &mut self.graph.strings;
        if self.s.open_array("'[' opening 'strings'")? {
            loop {
                self.s
                    .read_string_into(&mut arena.bytes, MAX_STRING_BYTES)?;
                arena.ends.push(arena.bytes.len());
                if !self.s.next_item(b']')? {
                    break;
                }
            }
        }
        self.strings_read = true;
        Ok(())
    }

    /// Every section there, and consistent with the others: the edge counts
    /// add up, names name strings; then the graph's last indexes are built.
    fn validate(self) -> Result<HeapGraph, SnapshotError> {
        let SectionReader {
            s,
            file,
            mode,
            mut graph,
            layout,
            nodes_read,
            edges_read,
            strings_read,
            max_name,
            edge_counts_total,
            ..
        } = self;
        let end = s.offset();
        if layout.is_none() {
            return Err(s.format_at(end, "not a heap snapshot: no 'snapshot' header"));
        }
        if !nodes_read {
            return Err(s.format_at(end, "not a heap snapshot: no 'nodes' array"));
        }
        let Some(edge_count) = edges_read else {
            return Err(s.format_at(end, "not a heap snapshot: no 'edges' array"));
        };
        if !strings_read {
            return Err(s.format_at(end, "not a heap snapshot: no 'strings' array"));
        }
        if edge_count != edge_counts_total {
            return Err(s.format_at(end, format!("the nodes' edge counts add up to {edge_counts_total}; the 'edges' array holds {edge_count}")));
        }
        if let Some((name, at)) = max_name {
            if name as usize >= graph.strings.len() {
                return Err(format_error(
                    file,
                    at,
                    format!(
                        "a node's name is string {name}; there are {}",
                        graph.strings.len()
                    ),
                ));
            }
        }
        if mode == LoadMode::Full {
            // Edge names that are strings must name one.
            let n = graph.strings.len() as u32;
            if let Some(e) = (0..graph.edge_name.len())
                .find(|&e| !graph.edge_name_is_index(e) && graph.edge_name[e] >= n)
            {
                return Err(s.format_at(
                    end,
                    format!(
                        "edge {e} is named by string {}; there are {n}",
                        graph.edge_name[e]
                    ),
                ));
            }
            let nodes = graph.node_type.len();
            graph.locations.retain(|l| (l.node as usize) < nodes);
            graph.index_ephemerons();
        }
        Ok(graph)
    }
}

/// Reads the allocation trace tree: nested arrays of trace nodes, each
/// `nf` fields with one of them (`at[2]`) the array of its children.
/// Iterative: a deep tree cannot overflow the stack. Fills
/// `out`: trace node id → (function info index, parent trace node id).
fn read_trace_tree<R: Read>(
    s: &mut JsonStream<R>,
    at: [usize; 3],
    nf: usize,
    out: &mut HashMap<u32, (u32, u32)>,
) -> Result<(), SnapshotError> {
    struct Frame {
        parent: u32,
        k: usize,
        id: u32,
        function: u32,
    }
    if !s.open_array("'[' opening 'trace_tree'")? {
        return Ok(());
    }
    let mut stack = vec![Frame {
        parent: u32::MAX,
        k: 0,
        id: 0,
        function: 0,
    }];
    loop {
        let f = stack.last_mut().expect("a frame");
        if f.k == at[2] {
            out.insert(f.id, (f.function, f.parent));
            f.k += 1;
            let id = f.id;
            if s.open_array("'[' opening a trace node's children")? {
                stack.push(Frame {
                    parent: id,
                    k: 0,
                    id: 0,
                    function: 0,
                });
                continue;
            }
        } else {
            let v = s.read_uint()?.min(u32::MAX as u64) as u32;
            if f.k == at[0] {
                f.id = v;
            } else if f.k == at[1] {
                f.function = v;
            }
            f.k += 1;
        }
        // After a field: the next field, the next node of this list, or the end of the list.
        loop {
            let Some(f) = stack.last_mut() else {
                return Ok(());
            };
            if f.k < nf {
                s.expect(b',', "',' between a trace node's fields")?;
                break;
            }
            if s.next_item(b']')? {
                f.k = 0;
                break;
            }
            stack.pop();
        }
        if stack.is_empty() {
            return Ok(());
        }
    }
}

fn format_error(file: &str, at: u64, message: impl Into<String>) -> SnapshotError {
    SnapshotError::at(SnapshotErrorKind::Format, file, at, message)
}

/// Turns an edge's `to_node` (a node's offset in the `nodes` array) into the
/// node's number, with a multiply rather than a division when the node field
/// count is odd (V8's is 7).
struct NodeOffset {
    fields: u64,
    /// `fields`' inverse modulo 2^64 (0 when `fields` is even).
    inverse: u64,
    /// The largest node number an offset can give: `u64::MAX / fields`.
    largest: u64,
}

impl NodeOffset {
    fn new(fields: u64) -> Self {
        let fields = fields.max(1);
        let inverse = if !fields.is_multiple_of(2) {
            // Newton's iteration doubles the correct low bits each step: 3, 6, 12, 24, 48, 96.
            let mut x = fields;
            for _ in 0..5 {
                x = x.wrapping_mul(2u64.wrapping_sub(fields.wrapping_mul(x)));
            }
            x
        } else {
            0
        };
        NodeOffset {
            fields,
            inverse,
            largest: u64::MAX / fields,
        }
    }

    /// The node `offset` starts, if it is a multiple of the field count.
    #[inline(always)]
    fn node(&self, offset: u64) -> Option<u64> {
        if self.inverse != 0 {
            // Multiples of `fields` are exactly the offsets whose product
            // with the inverse is at most `u64::MAX / fields` (the quotient).
            let q = offset.wrapping_mul(self.inverse);
            (q <= self.largest).then_some(q)
        } else {
            offset
                .is_multiple_of(self.fields)
                .then(|| offset / self.fields)
        }
    }
}

fn to_u32(file: &str, at: u64, v: u64, what: &str) -> Result<u32, SnapshotError> {
    u32::try_from(v)
        .map_err(|_| format_error(file, at, format!("{what} {v} is larger than 32 bits")))
}

fn field_list(meta: &JsonValue, key: &str) -> Result<Vec<String>, String> {
    meta.get(key)
        .and_then(JsonValue::as_strings)
        .ok_or_else(|| format!("not a heap snapshot: the meta has no '{key}' list"))
}

fn type_list(meta: &JsonValue, key: &str, fields: &[String]) -> Result<Vec<String>, String> {
    let at = fields.iter().position(|f| f == "type").ok_or_else(|| {
        format!("not a heap snapshot: the meta's field list for '{key}' has no 'type'")
    })?;
    let types = match meta.get(key) {
        Some(JsonValue::Array(items)) => items.get(at).and_then(JsonValue::as_strings),
        _ => None,
    }
    .ok_or_else(|| {
        format!("not a heap snapshot: the meta's '{key}' does not list the type names")
    })?;
    let most = if key == "edge_types" {
        MAX_EDGE_TYPES
    } else {
        256
    };
    if types.is_empty() || types.len() > most {
        return Err(format!(
            "the meta lists {} {key}; 1 to {most} are possible",
            types.len()
        ));
    }
    Ok(types)
}

fn count(header: &JsonValue, key: &str) -> Result<Option<u64>, String> {
    match header.get(key) {
        None => Ok(None),
        Some(JsonValue::Number(n)) if *n >= 0.0 && n.fract() == 0.0 && *n <= 9.0e15 => {
            Ok(Some(*n as u64))
        }
        Some(_) => Err(format!("'snapshot.{key}' is not a count")),
    }
}

/// Where each of `names` stands in the meta's list `key`, and the list's length.
fn positions<const N: usize>(
    meta: &JsonValue,
    key: &str,
    names: [&str; N],
) -> Option<([usize; N], usize)> {
    let list = meta.get(key).and_then(JsonValue::as_strings)?;
    let mut at = [0; N];
    for (i, name) in names.iter().enumerate() {
        at[i] = list.iter().position(|f| f == name)?;
    }
    Some((at, list.len()))
}

fn parse_layout(header: &JsonValue) -> Result<Layout, String> {
    let meta = header
        .get("meta")
        .ok_or("not a heap snapshot: the 'snapshot' header has no 'meta'")?;
    let node_names = field_list(meta, "node_fields")?;
    let edge_names = field_list(meta, "edge_fields")?;
    let node_fields: Vec<NodeField> = node_names
        .iter()
        .map(|f| match f.as_str() {
            "type" => NodeField::Type,
            "name" => NodeField::Name,
            "id" => NodeField::Id,
            "self_size" => NodeField::SelfSize,
            "edge_count" => NodeField::EdgeCount,
            "trace_node_id" => NodeField::TraceNodeId,
            _ => NodeField::Other,
        })
        .collect();
    for (needed, what) in [
        (NodeField::Type, "type"),
        (NodeField::Name, "name"),
        (NodeField::Id, "id"),
        (NodeField::SelfSize, "self_size"),
        (NodeField::EdgeCount, "edge_count"),
    ] {
        match node_fields.iter().filter(|f| **f == needed).count() {
            1 => {}
            0 => return Err(format!("the meta's node_fields has no '{what}'")),
            _ => return Err(format!("the meta's node_fields lists '{what}' twice")),
        }
    }
    let edge_fields: Vec<EdgeField> = edge_names
        .iter()
        .map(|f| match f.as_str() {
            "type" => EdgeField::Type,
            "name_or_index" => EdgeField::Name,
            "to_node" => EdgeField::ToNode,
            _ => EdgeField::Other,
        })
        .collect();
    for (needed, what) in [
        (EdgeField::Type, "type"),
        (EdgeField::Name, "name_or_index"),
        (EdgeField::ToNode, "to_node"),
    ] {
        match edge_fields.iter().filter(|f| **f == needed).count() {
            1 => {}
            0 => return Err(format!("the meta's edge_fields has no '{what}'")),
            _ => return Err(format!("the meta's edge_fields lists '{what}' twice")),
        }
    }
    let location_fields = match meta.get("location_fields").and_then(JsonValue::as_strings) {
        Some(names) if names.iter().any(|n| n == "object_index") => names
            .iter()
            .map(|f| match f.as_str() {
                "object_index" => LocationField::Object,
                "script_id" => LocationField::Script,
                "line" => LocationField::Line,
                "column" => LocationField::Column,
                _ => LocationField::Other,
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Layout {
        node_types: type_list(meta, "node_types", &node_names)?,
        edge_types: type_list(meta, "edge_types", &edge_names)?,
        node_fields,
        edge_fields,
        location_fields,
        node_count: count(header, "node_count")?,
        edge_count: count(header, "edge_count")?,
        trace_function_count: count(header, "trace_function_count")?.unwrap_or(0),
        trace_function_fields: positions(
            meta,
            "trace_function_info_fields",
            ["name", "script_name", "line", "column"],
        ),
        trace_node_fields: positions(
            meta,
            "trace_node_fields",
            ["id", "function_info_index", "children"],
        ),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::heap_snapshot::error::SnapshotErrorKind;

    /// An edge of a test node: its type index, name and target node.
    pub type TestEdge = (u32, String, u32);
    /// A test node: type index, name, id, self size and its edges.
    pub type TestNode = (u32, String, u32, u64, Vec<TestEdge>);

    /// A snapshot in V8's layout, built node by node for tests.
    #[derive(Default)]
    pub struct SnapshotText {
        pub nodes: Vec<TestNode>,
        pub locations: Vec<[u32; 4]>,
    }

    pub const NODE_TYPES: [&str; 15] = [
        "hidden",
        "array",
        "string",
        "object",
        "code",
        "closure",
        "regexp",
        "number",
        "native",
        "synthetic",
        "concatenated string",
        "sliced string",
        "symbol",
        "bigint",
        "object shape",
    ];
    pub const EDGE_TYPES: [&str; 7] = [
        "context", "element", "property", "internal", "hidden", "shortcut", "weak",
    ];

    impl SnapshotText {
        /// Adds a node: type name, name, id, self size; returns its index.
        pub fn node(&mut self, ty: &str, name: &str, id: u32, size: u64) -> u32 {
            let t = NODE_TYPES.iter().position(|x| *x == ty).expect("node type") as u32;
            self.nodes.push((t, name.to_string(), id, size, Vec::new()));
            self.nodes.len() as u32 - 1
        }

        /// Adds an edge `from → to` of a type, named (or numbered, for element/hidden).
        pub fn edge(&mut self, from: u32, ty: &str, name: &str, to: u32) {
            let t = EDGE_TYPES.iter().position(|x| *x == ty).expect("edge type") as u32;
            self.nodes[from as usize].4.push((t, name.to_string(), to));
        }

        /// The JSON text, fields in V8's order (with trace_node_id and detachedness).
        pub fn render(&self) -> String {
            let mut strings: Vec<String> = vec!["".into()];
            let mut intern = |s: &str| -> usize {
                if let Some(i) = strings.iter().position(|x| x == s) {
                    i
                } else {
                    strings.push(s.to_string());
                    strings.len() - 1
                }
            };
            let mut nodes = Vec::new();
            let mut edges = Vec::new();
            for (t, name, id, size, out) in &self.nodes {
                nodes.push(format!(
                    "{},{},{},{},{},0,0",
                    t,
                    intern(name),
                    id,
                    size,
                    out.len()
                ));
                for (et, en, to) in out {
                    let name = if *et == 1 || *et == 4 {
                        en.parse::<usize>().unwrap_or(0)
                    } else {
                        intern(en)
                    };
                    edges.push(format!("{},{},{}", et, name, to * 7));
                }
            }
            let quote = |s: &str| serde_like_quote(s);
            format!(
                r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[[{}],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[[{}],"string_or_number","node"],"location_fields":["object_index","script_id","line","column"]}},"node_count":{},"edge_count":{},"trace_function_count":0}},
"nodes":[{}],
"edges":[{}],
"trace_function_infos":[],"trace_tree":[],"samples":[],
"locations":[{}],
"strings":[{}]}}"#,
                NODE_TYPES
                    .iter()
                    .map(|t| quote(t))
                    .collect::<Vec<_>>()
                    .join(","),
                EDGE_TYPES
                    .iter()
                    .map(|t| quote(t))
                    .collect::<Vec<_>>()
                    .join(","),
                self.nodes.len(),
                edges.len(),
                nodes.join(",\n"),
                edges.join(",\n"),
                self.locations
                    .iter()
                    .map(|l| format!("{},{},{},{}", l[0] * 7, l[1], l[2], l[3]))
                    .collect::<Vec<_>>()
                    .join(","),
                strings
                    .iter()
                    .map(|s| quote(s))
                    .collect::<Vec<_>>()
                    .join(",\n"),
            )
        }
    }

    fn serde_like_quote(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// Reads `text` as a snapshot.
    pub fn load(text: &str) -> Result<HeapGraph, SnapshotError> {
        read_snapshot(
            text.as_bytes(),
            "test.heapsnapshot",
            Some(text.len() as u64),
            LoadMode::Full,
        )
    }

    /// Every node type and edge type, a weak edge, a WeakMap, a cycle and an unreachable node.
    pub fn every_kind() -> SnapshotText {
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc_roots = t.node("synthetic", "(GC roots)", 3, 0);
        let global = t.node("object", "global", 5, 40);
        let ctx = t.node("object", "system / Context", 7, 24);
        let f = t.node("closure", "makeRegistry", 9, 32);
        let map = t.node("object", "Map", 11, 16);
        let table = t.node("array", "", 13, 100);
        let cart = t.node("object", "Cart", 15, 24);
        let s = t.node("string", "cart-1", 17, 20);
        let weak_target = t.node("object", "Cached", 19, 8);
        let wm = t.node("object", "WeakMap", 21, 16);
        let wm_table = t.node("array", "", 23, 40);
        let key = t.node("object", "Key", 25, 8);
        let value = t.node("object", "Value", 27, 64);
        let lonely = t.node("object", "Orphan", 29, 8);
        let code = t.node("code", "add", 31, 50);
        let hidden = t.node("hidden", "system / Foo", 33, 4);
        for (ty, name) in [
            ("regexp", "/x/"),
            ("number", "heap number"),
            ("native", "Node"),
            ("concatenated string", "ab"),
            ("sliced string", "b"),
            ("symbol", "sym"),
            ("bigint", "bigint"),
            ("object shape", "system / Map"),
        ] {
            let n = t.node(ty, name, 100 + t.nodes.len() as u32 * 2, 4);
            t.edge(global, "property", &format!("p{n}"), n);
        }
        t.edge(root, "element", "1", gc_roots);
        t.edge(root, "shortcut", "global", global);
        t.edge(gc_roots, "element", "1", global);
        t.edge(global, "property", "makeRegistry", f);
        t.edge(global, "weak", "cache", weak_target);
        t.edge(global, "property", "wm", wm);
        t.edge(global, "property", "key", key);
        t.edge(global, "hidden", "4", hidden);
        t.edge(f, "internal", "context", ctx);
        t.edge(f, "internal", "code", code);
        t.edge(ctx, "context", "carts", map);
        t.edge(map, "internal", "table", table);
        t.edge(table, "internal", "1", cart);
        t.edge(cart, "property", "id", s);
        t.edge(cart, "property", "registry", map); // a cycle
        t.edge(cart, "shortcut", "shortcut-to-s", s);
        t.edge(wm, "internal", "table", wm_table);
        let ephemeron =
            "1 / part of key (Key @25) -> value (Value @27) pair in WeakMap (table @23)";
        t.edge(wm_table, "internal", ephemeron, value);
        t.edge(key, "internal", ephemeron, value);
        t.edge(wm_table, "weak", "1", key);
        t.edge(lonely, "property", "x", s);
        t.locations.push([f, 3, 11, 4]);
        t
    }

    #[test]
    fn reads_every_node_and_edge_type() {
        let g = load(&every_kind().render()).unwrap();
        assert_eq!(g.node_count(), 25);
        assert_eq!(g.name(7), "Cart");
        assert_eq!(g.type_name(7), "object");
        assert_eq!(g.node_id[7], 15);
        assert_eq!(g.size(6), 100);
        let edges: Vec<_> = g
            .edges(4)
            .map(|e| (g.edge_name_str(e).unwrap().to_string(), g.edge_to(e)))
            .collect();
        assert_eq!(edges, vec![("context".into(), 3), ("code".into(), 15)]);
        assert_eq!(
            g.location(4),
            Some(Location {
                node: 4,
                script_id: 3,
                line: 11,
                column: 4
            })
        );
        let types: std::collections::HashSet<_> = (0..g.node_count() as u32)
            .map(|n| g.type_name(n).to_string())
            .collect();
        assert_eq!(types.len(), NODE_TYPES.len());
        let edge_types: std::collections::HashSet<_> =
            (0..g.edge_count()).map(|e| g.edge_type(e)).collect();
        assert_eq!(edge_types.len(), EDGE_TYPES.len());
    }

    #[test]
    fn follows_the_field_order_the_meta_gives() {
        // Fields reordered and an extra one added: the reader must not assume V8's order.
        let text = r#"{"snapshot":{"meta":{"node_fields":["id","extra","edge_count","self_size","name","type"],"node_types":[0,0,0,0,0,["synthetic","object"]],"edge_fields":["to_node","name_or_index","type"],"edge_types":[0,0,["property","element"]]},"node_count":2,"edge_count":1},
            "strings":["","root","Thing","p"],
            "nodes":[1,9,1,0,1,0, 3,9,0,77,2,1],
            "edges":[6,3,0]}"#;
        let g = load(text).unwrap();
        assert_eq!(g.node_id, vec![1, 3]);
        assert_eq!(g.name(1), "Thing");
        assert_eq!(g.size(1), 77);
        assert_eq!(g.type_name(1), "object");
        assert_eq!(g.edge_to(0), 1);
        assert_eq!(g.edge_name_str(0), Some("p"));
    }

    #[test]
    fn reads_allocation_traces_when_present() {
        // Three trace nodes: (root) → main → makeCart; node 1 allocated by makeCart.
        let text = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id"],"node_types":[["synthetic","object"],"string","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["property"],"string_or_number","node"],"trace_function_info_fields":["function_id","name","script_name","script_id","line","column"],"trace_node_fields":["id","function_info_index","count","size","children"]},"node_count":2,"edge_count":1,"trace_function_count":3},
            "nodes":[0,0,1,0,1,0, 1,1,3,40,0,3],
            "edges":[0,2,6],
            "trace_function_infos":[0,3,0,0,0,0, 7,4,5,9,0,0, 8,2,5,9,12,3],
            "trace_tree":[1,0,0,0,[2,1,5,200,[3,2,5,200,[]]]],
            "strings":["","Cart","makeCart","(root)","main","src/cart.js"]}"#;
        let g = load(text).unwrap();
        assert_eq!(g.trace_node, vec![0, 3]);
        assert_eq!(g.trace_tree.get(&3), Some(&(2, 2)));
        assert_eq!(g.trace_tree.get(&2), Some(&(1, 1)));
        assert_eq!(g.allocating_function(1), Some(2));
        assert_eq!(g.function_site(2), "makeCart (src/cart.js:12:3)");
        assert_eq!(g.function_site(1), "main (src/cart.js)");
        assert_eq!(
            g.allocating_function(0),
            None,
            "trace node 0 is no node of the tree"
        );
        // Without tracking (trace_function_count 0), trace ids are not kept.
        let plain = load(&text.replace("\"trace_function_count\":3", "\"trace_function_count\":0"))
            .unwrap();
        assert!(plain.trace_node.is_empty());
        // A trace tree cut short is an error with its offset, never a panic.
        let cut = &text[..text.find("[3,2,5").unwrap() + 4];
        assert!(load(cut).unwrap_err().offset.is_some());
    }

    #[test]
    fn big_self_sizes_are_kept_whole() {
        let mut t = SnapshotText::default();
        t.node("synthetic", "", 1, 0);
        let big = t.node("native", "system / JSArrayBufferData", 3, 6 << 30);
        t.edge(0, "internal", "x", big);
        assert_eq!(load(&t.render()).unwrap().size(1), 6 << 30);
    }

    #[test]
    fn node_offsets_divide_as_division_does() {
        for fields in 1..=12u64 {
            let of = NodeOffset::new(fields);
            let big = [
                u64::MAX,
                u64::MAX - 1,
                u64::MAX / 7 * 7,
                1 << 40,
                (1 << 40) + 3,
            ];
            for offset in (0..5_000).chain(big) {
                let expected = (offset % fields == 0).then(|| offset / fields);
                assert_eq!(of.node(offset), expected, "{offset} over {fields} fields");
            }
        }
    }

    fn error_of(text: &str) -> SnapshotError {
        load(text).unwrap_err()
    }

    #[test]
    fn bad_input_gives_an_error_with_its_offset() {
        let good = every_kind().render();
        // Truncated anywhere: an error, never a panic; offsets stay inside the file.
        for cut in (0..good.len()).step_by(37) {
            let e = error_of(&good[..cut]);
            assert!(e.offset.unwrap_or(0) <= cut as u64, "{e}");
        }
        let e = error_of("<html>");
        assert_eq!(e.kind, SnapshotErrorKind::Format);
        assert!(e.message.contains("not a heap snapshot"), "{e}");
        assert!(error_of("").message.contains("empty"));
        assert!(error_of(r#"{"a":1}"#)
            .message
            .contains("no 'snapshot' header"));
        let e = error_of(&good.replacen("\"node_count\":25", "\"node_count\":26", 1));
        assert!(e.message.contains("declares 26 nodes"), "{e}");
        let e = error_of(&good.replacen("\"edge_count\":", "\"edge_count\":1", 1));
        assert!(e.message.contains("edges"), "{e}");
        // A target past the nodes names the byte where it is.
        let at = good.find("\"edges\":[").unwrap() + 9;
        let mut bad = good.clone();
        bad.replace_range(at..at + 1, "9");
        let e = error_of(&bad);
        assert_eq!(e.kind, SnapshotErrorKind::Format);
        assert_eq!(e.offset, Some(at as u64), "{e}");
    }

    #[test]
    fn absurd_counts_reserve_no_more_than_the_file_holds() {
        let good = every_kind().render();
        let text = good.replacen("\"node_count\":25", "\"node_count\":4000000000000", 1);
        let e = error_of(&text);
        assert!(e.message.contains("declares 4000000000000 nodes"), "{e}");
        let text = good.replacen("\"edge_count\":", "\"edge_count\":900000000000", 1);
        assert!(load(&text).is_err());
    }

    #[test]
    fn a_meta_that_does_not_match_the_arrays_is_refused() {
        let good = every_kind().render();
        let e = error_of(&good.replacen("\"trace_node_id\",", "", 1));
        assert!(
            e.message.contains("not a multiple")
                || e.message.contains("node type")
                || e.message.contains("declares"),
            "{e}"
        );
        let e = error_of(&good.replacen("\"edge_count\",", "", 1));
        assert!(e.message.contains("no 'edge_count'"), "{e}");
    }

    /// A fuzz test on a small budget: random mutations of a valid snapshot
    /// never panic, and every error has an offset inside the input.
    #[test]
    fn mutated_snapshots_never_panic() {
        let good = every_kind().render().into_bytes();
        let mut state = 0x9E3779B97F4A7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"0123456789,[]{}\":-.eE \\u";
        for _ in 0..3000 {
            let mut bytes = good.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 4 {
                    0 => bytes[at] = alphabet[(next() % alphabet.len() as u64) as usize],
                    1 => {
                        bytes.remove(at);
                    }
                    2 => bytes.insert(at, alphabet[(next() % alphabet.len() as u64) as usize]),
                    _ => bytes.truncate(at),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            if let Err(e) =
                read_snapshot(&bytes[..], "fuzz", Some(bytes.len() as u64), LoadMode::Full)
            {
                assert!(e.offset.is_none_or(|o| o <= bytes.len() as u64), "{e}");
                assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn missing_files_and_directories_are_io_errors() {
        let e =
            read_snapshot_file("/nonexistent/x.heapsnapshot", LoadMode::Full, None).unwrap_err();
        assert_eq!(e.kind, SnapshotErrorKind::Io);
        assert!(e.message.contains("no such file"), "{e}");
        let e = read_snapshot_file("/tmp", LoadMode::Full, None).unwrap_err();
        assert!(e.message.contains("directory"), "{e}");
    }
}
