//! Retainer paths: for each object, a shortest path from the root through
//! retaining edges (never weak ones), and paths clustered by what they go
//! through, so that thousands of objects held the same way read as one path
//! with a count. A path is rendered from the object up:
//! `Cart [] ← Map 'carts' ← (closure) add (src/registry.js:12:3) ← (GC roots)`
//! — each step is an object and the name it is held by in the next one;
//! V8's own bookkeeping objects (tables, contexts, maps) are left out.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use super::classes::{location_text, Classes};
use super::graph::HeapGraph;
use super::huge_pages;
use super::prefetch::prefetch;
use super::word_hasher::WordMap;

const NONE: u32 = u32::MAX;
/// Steps shown at most; a longer path ends in `← …`.
const MAX_STEPS: usize = 10;

/// Marks the root in [`ShortestPaths::edge`].
const ROOT: u32 = u32::MAX - 1;

/// The shortest-path tree from the root: the edge each reached node is
/// reached by (its source, the parent, is found from the edge index).
#[derive(Clone, Debug)]
pub struct ShortestPaths {
    /// Per node: the edge it is reached by (`u32::MAX` when unreachable).
    pub edge: Vec<u32>,
    /// Per node: that edge's source (kept, as finding it from the edge
    /// index is a binary search of cache misses).
    pub source: Vec<u32>,
}

impl ShortestPaths {
    /// Whether `n` is reached from the root.
    pub fn reached(&self, n: u32) -> bool {
        self.edge[n as usize] != NONE
    }

    /// The node `n` is reached from (the root's is the root), if reached.
    pub fn parent(&self, n: u32) -> Option<u32> {
        match self.edge[n as usize] {
            NONE => None,
            ROOT => Some(n),
            _ => Some(self.source[n as usize]),
        }
    }

    /// The edge by which `n` is reached, or `NONE` for the root.
    fn edge_of(&self, n: u32) -> u32 {
        match self.edge[n as usize] {
            ROOT => NONE,
            e => e,
        }
    }
}

/// Roots that hold what the thread had in hand when the snapshot was taken
/// (handles of the code running then, its stack): never what keeps a leak,
/// so they are walked after every other root.
const TRANSIENT_ROOTS: [&str; 2] = ["(Handle scope)", "(Stack roots)"];

/// Breadth-first from the root through retaining edges. V8's string table
/// (`(Internalized strings)`) is not walked: a string used as a key is held
/// by the object it is a key of, which is what a path should name; the
/// table lets go of strings nothing else holds. The transient roots
/// ([`TRANSIENT_ROOTS`]) are walked last, so an object held both by a
/// closure and by a handle of the code that took the snapshot reads as held
/// by the closure.
pub fn shortest_paths(g: &HeapGraph) -> ShortestPaths {
    let n = g.node_count();
    let mut edge = huge_pages::filled(n, NONE);
    let mut source = huge_pages::filled(n, NONE);
    if n == 0 {
        return ShortestPaths {
            edge,
            source: Vec::new(),
        };
    }
    let synthetic = |v: u32| Some(g.node_type[v as usize]) == g.codes.synthetic;
    let string_table =
        (1..n as u32).find(|&v| synthetic(v) && g.name(v) == "(Internalized strings)");
    let transient = |v: u32| synthetic(v) && TRANSIENT_ROOTS.contains(&g.name(v));
    edge[0] = ROOT;
    // Each node enters the queue once (a transient root twice: reached, then
    // walked at the end): a vector and a read position.
    let mut queue: Vec<u32> = huge_pages::with_capacity(n + TRANSIENT_ROOTS.len());
    queue.push(0);
    let mut head = 0;
    let mut deferred: Vec<u32> = Vec::new();
    let mut walking_transient = false;
    loop {
        if head == queue.len() {
            if walking_transient || deferred.is_empty() {
                break;
            }
            // Every other root is walked: now the transient ones.
            walking_transient = true;
            queue.append(&mut deferred);
        }
        let v = queue[head];
        head += 1;
        // The queue says which nodes come next: start loading their edge
        // offsets, then their edges, then their targets' path slots, so the
        // misses of several nodes overlap.
        if let Some(&ahead) = queue.get(head + 24) {
            prefetch(&g.first_edge[ahead as usize]);
        }
        if let Some(&ahead) = queue.get(head + 12) {
            if let Some(first) = g.edge_target.get(g.first_edge[ahead as usize] as usize) {
                prefetch(first);
            }
        }
        if let Some(&ahead) = queue.get(head + 4) {
            for e in g.edges(ahead) {
                prefetch(&edge[g.edge_to(e) as usize]);
            }
        }
        if Some(v) == string_table {
            continue;
        }
        if !walking_transient && transient(v) {
            deferred.push(v);
            continue;
        }
        for e in g.edges(v) {
            if !g.is_retaining(v, e) {
                continue;
            }
            let w = g.edge_to(e);
            if edge[w as usize] == NONE {
                edge[w as usize] = e as u32;
                source[w as usize] = v;
                queue.push(w);
            }
        }
    }
    ShortestPaths { edge, source }
}

/// How a step's holder refers to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// A named property: `holder.name`.
    Property,
    /// A variable a closure captured: `'name'` in the holder's context.
    Variable,
    /// An element of an array, a Map or a Set: `[]`.
    Element,
}

impl EdgeKind {
    /// `'property'`, `'variable'` or `'element'`.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Property => "property",
            EdgeKind::Variable => "variable",
            EdgeKind::Element => "element",
        }
    }
}

/// One object on a retainer path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathStep {
    /// Its class (`Map`, `Array`, `(closure)`, `(GC roots)`); `…` for steps cut.
    pub class: String,
    /// For a closure: its function's name (`(anonymous)` when it has none).
    pub function: Option<String>,
    /// Where a closure's function or a literal object's code is, `file:line:column`.
    pub location: Option<String>,
    /// How the next step up refers to this one, where the edge says.
    pub edge_kind: Option<EdgeKind>,
    /// The property or variable name (empty for elements).
    pub edge_name: String,
    /// Objects of this class held the same way in a row (a linked list's
    /// nodes, each held by the next), shown as one step; 1 for most steps.
    pub repeat: u64,
}

impl PathStep {
    /// The step as one line of a path: `Map 'carts'`, `(closure) add (file:1:2) .add`.
    pub fn text(&self) -> String {
        let mut out = self.class.clone();
        if let Some(f) = &self.function {
            out.push(' ');
            out.push_str(f);
        }
        if let Some(at) = &self.location {
            if self.function.is_some() {
                out.push_str(&format!(" ({at})"));
            }
        }
        match self.edge_kind {
            Some(EdgeKind::Property) => out.push_str(&format!(" .{}", self.edge_name)),
            Some(EdgeKind::Variable) => out.push_str(&format!(" '{}'", self.edge_name)),
            Some(EdgeKind::Element) => out.push_str(" []"),
            None => {}
        }
        if self.repeat > 1 {
            out.push_str(&format!(" ×{}", self.repeat));
        }
        out
    }
}

/// Objects held the same way, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainerPath {
    /// Objects of the set this path holds.
    pub count: u64,
    /// The steps from the object up to a root.
    pub steps: Vec<PathStep>,
}

impl RetainerPath {
    /// The path on one line, from the object up: `Cart [] ← Map 'carts' ← …`.
    pub fn text(&self) -> String {
        self.steps
            .iter()
            .map(PathStep::text)
            .collect::<Vec<_>>()
            .join(" ← ")
    }
}

/// Everything needed to describe nodes.
pub struct Describer<'a> {
    /// The graph.
    pub graph: &'a HeapGraph,
    /// Its classes.
    pub classes: &'a Classes,
    /// Script names by id.
    pub scripts: &'a HashMap<u32, String>,
}

impl Describer<'_> {
    fn visible(&self, n: u32) -> bool {
        let g = self.graph;
        n == 0
            || !self.classes.internal[self.classes.of_node[n as usize] as usize]
            || Some(g.node_type[n as usize]) == g.codes.synthetic
    }

    /// How node `n` reads in a path.
    pub fn node(&self, n: u32) -> String {
        let g = self.graph;
        if n == 0 {
            return "(root)".to_string();
        }
        let class = &self.classes.names[self.classes.of_node[n as usize] as usize];
        if Some(g.node_type[n as usize]) == g.codes.closure {
            let name = match g.name(n) {
                "" => "(anonymous)",
                other => other,
            };
            return match location_text(g, self.scripts, n) {
                Some(at) => format!("(closure) {name} ({at})"),
                None => format!("(closure) {name}"),
            };
        }
        class.clone()
    }

    /// How edge `e` names what it points to: `.prop`, `'variable'`, `[]`, or nothing.
    fn label(&self, e: u32) -> Option<Label> {
        let g = self.graph;
        if e == NONE {
            return None;
        }
        let e = e as usize;
        let t = Some(g.edge_type(e));
        if g.edge_name_is_index(e) {
            return Some(Label::Element);
        }
        let name = g.strings.get(g.edge_name[e]);
        if t == g.codes.context {
            return Some(Label::Variable(g.edge_name[e]));
        }
        if t == g.codes.property {
            return Some(if name.is_empty() {
                Label::Element
            } else {
                Label::Property(g.edge_name[e])
            });
        }
        if t == g.codes.internal && !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Label::Element);
        }
        None
    }

    fn is_end(&self, v: u32) -> bool {
        v == 0 || Some(self.graph.node_type[v as usize]) == self.graph.codes.synthetic
    }

    /// What tells two steps apart: the node's class (a closure's function
    /// too) and the label it is held by.
    fn key(&self, run: &Run) -> StepKey {
        let g = self.graph;
        let v = run.node as usize;
        let closure = (Some(g.node_type[v]) == g.codes.closure).then(|| {
            (
                g.node_name[v],
                g.location(run.node)
                    .map(|l| (l.script_id, l.line, l.column)),
            )
        });
        (self.classes.of_node[v], closure, run.label)
    }

    /// Node `n` as a step, held by `label`, `repeat` times in a row.
    fn step(&self, run: &Run) -> PathStep {
        let g = self.graph;
        let n = run.node;
        let name_of = |i: u32| g.strings.get(i).to_string();
        let (edge_kind, edge_name) = match run.label {
            Some(Label::Element) => (Some(EdgeKind::Element), String::new()),
            Some(Label::Property(i)) => (Some(EdgeKind::Property), name_of(i)),
            Some(Label::Variable(i)) => (Some(EdgeKind::Variable), name_of(i)),
            None => (None, String::new()),
        };
        let closure = n != 0 && Some(g.node_type[n as usize]) == g.codes.closure;
        let (class, function) = if closure {
            let name = match g.name(n) {
                "" => "(anonymous)",
                other => other,
            };
            ("(closure)".to_string(), Some(name.to_string()))
        } else {
            (self.node(n), None)
        };
        PathStep {
            class,
            location: if closure {
                location_text(g, self.scripts, n)
            } else {
                None
            },
            function,
            edge_kind,
            edge_name,
            repeat: run.repeat,
        }
    }

    fn render(&self, runs: &[Run]) -> Vec<PathStep> {
        let mut out: Vec<PathStep> = runs.iter().take(MAX_STEPS).map(|r| self.step(r)).collect();
        if runs.len() > MAX_STEPS {
            out.push(PathStep {
                class: "…".to_string(),
                function: None,
                location: None,
                edge_kind: None,
                edge_name: String::new(),
                repeat: 1,
            });
        }
        out
    }
}

/// What tells two steps apart: class, a closure's name and location, label.
type StepKey = (u32, Option<(u32, Option<(u32, u32, u32)>)>, Option<Label>);

/// A cluster of paths: objects, the shown member's steps in runs, its id, its runs.
struct Cluster {
    count: u64,
    depth: u64,
    node: u32,
    runs: Path,
}

/// How a step is held by the next one up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Label {
    /// An element: `[]`.
    Element,
    /// A named property (the name's string index).
    Property(u32),
    /// A captured variable (the name's string index).
    Variable(u32),
}

/// Visible steps in a row that read the same (a linked list's nodes), as one.
#[derive(Clone, Copy, Debug)]
struct Run {
    node: u32,
    label: Option<Label>,
    repeat: u64,
}

/// A path's runs from one node up: the first run, and the path of the
/// node above, shared with every path that continues through it (building
/// a node's path is one cell, not a copy of the runs above).
struct RunList {
    run: Run,
    /// How many runs the path has, counted up to `MAX_STEPS + 1`.
    len: usize,
    next: Path,
}

/// Runs from a node up (`None`: no visible step).
type Path = Option<Rc<RunList>>;

impl Drop for RunList {
    /// Lets go of the cells above one at a time while this was their last
    /// holder: a path can be a hundred thousand cells long, and dropping
    /// them one inside the other would need a stack frame each.
    fn drop(&mut self) {
        let mut next = self.next.take();
        while let Some(cell) = next {
            next = match Rc::try_unwrap(cell) {
                Ok(mut only) => only.next.take(),
                Err(_) => None,
            };
        }
    }
}

/// The first `MAX_STEPS + 1` runs of `path` (what a path shows, and its cut).
fn path_runs(path: &Path) -> impl Iterator<Item = &Run> + '_ {
    let mut at = path.as_deref();
    std::iter::from_fn(move || {
        let cell = at?;
        at = cell.next.as_deref();
        Some(&cell.run)
    })
    .take(MAX_STEPS + 1)
}

/// The visible steps from a node up to the root, memoized: the path from a
/// node continues as the path from the first visible node's parent, so each
/// node's is built once from its parent's. A linked list of n objects costs
/// n steps, not n² / 2. Paths keep `MAX_STEPS + 1` runs (the last says "cut").
struct Upward<'d, 'a> {
    d: &'d Describer<'a>,
    sp: &'d ShortestPaths,
    /// Per continuation node (walked with no pending label): its runs.
    memo: WordMap<u32, Path>,
}

impl Upward<'_, '_> {
    /// The runs from `start` up, or None when it is not reached.
    fn runs(&mut self, start: u32) -> Option<Path> {
        if !self.sp.reached(start) {
            return None;
        }
        let d = self.d;
        let g = d.graph;
        // Walk up to a memoized node or the end, noting each visible step.
        let mut chain: Vec<(u32, Run)> = Vec::new();
        let mut c = start;
        let mut tail: Path = None;
        let mut hops = 0usize;
        'outer: loop {
            if let Some(known) = self.memo.get(&c) {
                tail = known.clone();
                break;
            }
            let mut v = c;
            let mut pending: Option<Label> = None;
            loop {
                let label = if v == 0 {
                    None
                } else {
                    d.label(self.sp.edge_of(v))
                };
                if d.visible(v) {
                    // A node held through V8's bookkeeping takes the label of the step into it.
                    let run = Run {
                        node: v,
                        label: label.or(pending),
                        repeat: 1,
                    };
                    chain.push((c, run));
                    if d.is_end(v) {
                        break 'outer;
                    }
                    break;
                } else if pending.is_none() {
                    pending = label;
                }
                hops += 1;
                match self.sp.parent(v) {
                    Some(p) if hops <= g.node_count() => v = p,
                    _ => {
                        // Unreachable above here: the path ends at the last visible step.
                        break 'outer;
                    }
                }
            }
            hops += 1;
            match self.sp.parent(chain[chain.len() - 1].1.node) {
                Some(p) if hops <= g.node_count() => c = p,
                _ => break,
            }
        }
        // Build each continuation's runs from the one above it.
        let mut first = true;
        for (c, mut run) in chain.into_iter().rev() {
            let above = tail.as_deref();
            if first && above.is_none() {
                // The last step is held by nothing shown.
                run.label = None;
            }
            first = false;
            // A root's slot number says nothing.
            if above.is_some_and(|t| t.len == 1 && d.is_end(t.run.node))
                && run.label == Some(Label::Element)
            {
                run.label = None;
            }
            let cell = match above {
                Some(next) if d.key(&next.run) == d.key(&run) => RunList {
                    run: Run {
                        repeat: next.run.repeat + 1,
                        ..run
                    },
                    len: next.len,
                    next: next.next.clone(),
                },
                _ => RunList {
                    run,
                    len: (above.map_or(0, |t| t.len) + 1).min(MAX_STEPS + 1),
                    next: tail.clone(),
                },
            };
            tail = Some(Rc::new(cell));
            self.memo.insert(c, tail.clone());
        }
        Some(tail)
    }
}

/// Clusters the paths of `nodes` (at most `max_objects` of them are walked)
/// by the classes and labels of their visible steps (a run of steps that
/// read the same counts as one, however long); returns the `max_paths`
/// clusters holding the most objects, largest first, each shown as its
/// member with the longest runs.
pub fn cluster_paths(
    d: &Describer<'_>,
    sp: &ShortestPaths,
    nodes: &[u32],
    max_objects: usize,
    max_paths: usize,
) -> Vec<RetainerPath> {
    let mut upward = Upward {
        d,
        sp,
        memo: WordMap::default(),
    };
    // Per cluster: objects, and the member shown (most steps in runs, then lowest id).
    let mut clusters: WordMap<u64, Cluster> = WordMap::default();
    for &n in nodes.iter().take(max_objects) {
        let Some(runs) = upward.runs(n) else {
            continue;
        };
        let mut h = DefaultHasher::new();
        for (i, run) in path_runs(&runs).take(MAX_STEPS).enumerate() {
            let mut key = d.key(run);
            // The name an object itself is held by is often data (a
            // dictionary's key: `hashMap['path:/items/34110,']`): objects
            // held by one holder under many names are one path.
            if i == 0 && matches!(key.2, Some(Label::Property(_))) {
                key.2 = Some(Label::Property(NONE));
            }
            key.hash(&mut h);
        }
        let depth: u64 = path_runs(&runs).map(|r| r.repeat).sum();
        let entry = clusters.entry(h.finish()).or_insert(Cluster {
            count: 0,
            depth,
            node: n,
            runs: runs.clone(),
        });
        entry.count += 1;
        if depth > entry.depth || (depth == entry.depth && n < entry.node) {
            entry.depth = depth;
            entry.node = n;
            entry.runs = runs;
        }
    }
    let mut ranked: Vec<Cluster> = clusters.into_values().collect();
    ranked.sort_by(|a, b| b.count.cmp(&a.count).then(a.node.cmp(&b.node)));
    ranked
        .into_iter()
        .take(max_paths)
        .map(|c| RetainerPath {
            count: c.count,
            steps: d.render(&path_runs(&c.runs).copied().collect::<Vec<_>>()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heap_snapshot::classes::{classify, script_names};
    use crate::core::heap_snapshot::reader::tests::{every_kind, load, SnapshotText};

    /// The clustered retainer paths of `objects` in the snapshot `t` describes.
    fn clustered(
        t: &SnapshotText,
        objects: &[u32],
        max_objects: usize,
        max_paths: usize,
    ) -> Vec<RetainerPath> {
        let g = load(&t.render()).unwrap();
        let scripts = script_names(&g);
        let classes = classify(&g, &scripts);
        let sp = shortest_paths(&g);
        let d = Describer {
            graph: &g,
            classes: &classes,
            scripts: &scripts,
        };
        cluster_paths(&d, &sp, objects, max_objects, max_paths)
    }

    #[test]
    fn a_leak_into_a_map_in_a_closure_reads_as_one_path_with_a_count() {
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc = t.node("synthetic", "(GC roots)", 3, 0);
        let f = t.node("closure", "makeRegistry", 5, 32);
        let sfi = t.node("code", "makeRegistry", 7, 40);
        let script = t.node("code", "src/registry.js", 9, 40);
        let ctx = t.node("object", "system / Context", 11, 24);
        let map = t.node("object", "Map", 13, 16);
        let table = t.node("array", "", 15, 1000);
        let other = t.node("object", "Cart", 17, 24);
        t.edge(root, "element", "1", gc);
        t.edge(gc, "element", "1", f);
        t.edge(f, "internal", "shared", sfi);
        t.edge(sfi, "internal", "script", script);
        t.edge(f, "internal", "context", ctx);
        t.edge(ctx, "context", "carts", map);
        t.edge(map, "internal", "table", table);
        t.edge(gc, "property", "lastCart", other);
        let mut carts = Vec::new();
        for i in 0..50 {
            let c = t.node("object", "Cart", 100 + 2 * i, 24);
            t.edge(table, "internal", &format!("{}", 3 + i), c);
            carts.push(c);
        }
        carts.push(other);
        t.locations.push([f, 1, 11, 2]);
        let paths = clustered(&t, &carts, 10_000, 5);
        assert_eq!(paths.len(), 2);
        assert_eq!(paths[0].count, 50);
        assert_eq!(
            paths[0].text(),
            "Cart [] ← Map 'carts' ← (closure) makeRegistry (src/registry.js:12:3) ← (GC roots)"
        );
        assert_eq!(paths[1].count, 1);
        assert_eq!(paths[1].text(), "Cart .lastCart ← (GC roots)");
    }

    #[test]
    fn a_linked_list_reads_as_one_step_with_its_length() {
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc = t.node("synthetic", "(GC roots)", 3, 0);
        let signal = t.node("object", "AbortSignal", 5, 40);
        t.edge(root, "element", "1", gc);
        t.edge(gc, "property", "signal", signal);
        // 20,000 listeners, each held by the one before: walked once each.
        let mut listeners = Vec::new();
        let mut holder = signal;
        for i in 0..20_000u32 {
            let l = t.node("object", "Listener", 100 + 2 * i, 48);
            t.edge(holder, "property", if i == 0 { "head" } else { "next" }, l);
            holder = l;
            listeners.push(l);
        }
        let paths = clustered(&t, &listeners, 100_000, 5);
        assert_eq!(paths.len(), 2);
        assert_eq!(paths[0].count, 19_999);
        assert_eq!(
            paths[0].text(),
            "Listener .next ×19999 ← Listener .head ← AbortSignal .signal ← (GC roots)"
        );
        assert_eq!(paths[1].count, 1);
        assert_eq!(
            paths[1].text(),
            "Listener .head ← AbortSignal .signal ← (GC roots)"
        );
    }

    #[test]
    fn a_long_chain_of_two_classes_is_cut_and_let_go_without_deep_recursion() {
        // 100,000 objects, Even and Odd in turn, each held by the one before:
        // each path is one more run than the one above it, and all share
        // their runs. Letting go of them must not recurse once per run.
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc = t.node("synthetic", "(GC roots)", 3, 0);
        t.edge(root, "element", "1", gc);
        let mut objects = Vec::new();
        let mut holder = gc;
        for i in 0..100_000u32 {
            let class = if i % 2 == 0 { "Even" } else { "Odd" };
            let o = t.node("object", class, 100 + 2 * i, 16);
            t.edge(holder, "property", if i == 0 { "head" } else { "next" }, o);
            holder = o;
            objects.push(o);
        }
        // A small stack, as a thread pool's may be: the drop must not need more.
        let paths = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || clustered(&t, &objects, 200_000, 3))
            .unwrap()
            .join()
            .unwrap();
        let counts: Vec<u64> = paths.iter().map(|p| p.count).collect();
        assert_eq!(counts, vec![49_995, 49_995, 1]);
        for p in &paths[..2] {
            // Ten steps, then the cut.
            assert_eq!(p.steps.len(), MAX_STEPS + 1);
            assert!(p.text().ends_with(" ← …"), "{}", p.text());
        }
        assert!(paths[0].text().starts_with("Even .next ← Odd .next ← "));
        assert_eq!(paths[2].text(), "Even .head ← (GC roots)");
    }

    #[test]
    fn a_key_string_is_held_by_its_object_not_by_the_string_table() {
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc = t.node("synthetic", "(GC roots)", 3, 0);
        let table = t.node("synthetic", "(Internalized strings)", 5, 0);
        let store = t.node("object", "MemoryStore", 7, 40);
        let sessions = t.node("object", "Object", 9, 40);
        let props = t.node("array", "", 11, 200);
        let key = t.node("string", "s1", 13, 24);
        t.edge(root, "element", "1", gc);
        t.edge(root, "element", "2", table);
        t.edge(table, "internal", "1", key);
        t.edge(gc, "property", "store", store);
        t.edge(store, "property", "sessions", sessions);
        t.edge(sessions, "internal", "properties", props);
        t.edge(props, "internal", "3", key);
        let paths = clustered(&t, &[key], 10, 5);
        assert_eq!(
            paths[0].text(),
            "(string) [] ← Object .sessions ← MemoryStore .store ← (GC roots)"
        );
    }

    #[test]
    fn an_object_held_by_a_closure_and_a_handle_reads_as_held_by_the_closure() {
        // The handle is the shorter path (the code taking the snapshot had the
        // array in hand); the closure's is what keeps it.
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc = t.node("synthetic", "(GC roots)", 3, 0);
        let handles = t.node("synthetic", "(Handle scope)", 5, 0);
        let f = t.node("closure", "handleRequest", 7, 32);
        let ctx = t.node("object", "system / Context", 9, 24);
        let kept = t.node("object", "Array", 11, 16);
        let item = t.node("object", "Object", 13, 40);
        let only_handled = t.node("object", "Temp", 15, 40);
        t.edge(root, "element", "1", gc);
        t.edge(gc, "element", "1", handles);
        t.edge(gc, "element", "2", f);
        t.edge(handles, "element", "1", kept);
        t.edge(handles, "element", "2", only_handled);
        t.edge(f, "internal", "context", ctx);
        t.edge(ctx, "context", "kept", kept);
        t.edge(kept, "element", "0", item);
        let paths = clustered(&t, &[item], 10, 5);
        assert_eq!(
            paths[0].text(),
            "Object [] ← Array 'kept' ← (closure) handleRequest ← (GC roots)"
        );
        // Held by a handle alone, it still has its path.
        let paths = clustered(&t, &[only_handled], 10, 5);
        assert_eq!(paths[0].text(), "Temp ← (Handle scope)");
    }

    #[test]
    fn objects_held_under_many_keys_of_one_holder_are_one_path() {
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc = t.node("synthetic", "(GC roots)", 3, 0);
        let counter = t.node("object", "Counter", 5, 40);
        let hash = t.node("object", "Object", 7, 40);
        t.edge(root, "element", "1", gc);
        t.edge(gc, "property", "counter", counter);
        t.edge(counter, "property", "hashMap", hash);
        let mut series = Vec::new();
        for i in 0..30u32 {
            let s = t.node("object", "Series", 101 + 2 * i, 40);
            t.edge(hash, "property", &format!("path:/items/{i},"), s);
            series.push(s);
        }
        let paths = clustered(&t, &series, 100, 5);
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].count, 30);
        assert!(
            paths[0]
                .text()
                .ends_with("← Object .hashMap ← Counter .counter ← (GC roots)"),
            "{}",
            paths[0].text()
        );
    }

    #[test]
    fn weak_edges_and_weak_map_tables_are_not_paths() {
        let g = load(&every_kind().render()).unwrap();
        let sp = shortest_paths(&g);
        // "Cached" is held only weakly; "Value" only through the WeakMap: by its key.
        assert_eq!(sp.parent(9), None);
        assert_eq!(sp.parent(13), Some(12), "the value is reached from its key");
        assert_eq!(sp.parent(14), None, "an orphan has no path");
        assert_eq!(sp.parent(0), Some(0));
    }
}
