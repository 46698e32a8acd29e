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

use super::classes::{location_text, Classes};
use super::graph::HeapGraph;
use super::huge_pages;

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
}

impl ShortestPaths {
    /// Whether `n` is reached from the root.
    pub fn reached(&self, n: u32) -> bool {
        self.edge[n as usize] != NONE
    }

    /// The node `n` is reached from (the root's is the root), if reached.
    pub fn parent(&self, g: &HeapGraph, n: u32) -> Option<u32> {
        match self.edge[n as usize] {
            NONE => None,
            ROOT => Some(n),
            e => Some(g.first_edge.partition_point(|&first| first <= e) as u32 - 1),
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

/// Breadth-first from the root through retaining edges.
pub fn shortest_paths(g: &HeapGraph) -> ShortestPaths {
    let n = g.node_count();
    let mut edge = huge_pages::filled(n, NONE);
    if n == 0 {
        return ShortestPaths { edge };
    }
    edge[0] = ROOT;
    // Each node enters the queue once: a vector and a read position.
    let mut queue: Vec<u32> = huge_pages::with_capacity(n);
    queue.push(0);
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        for e in g.edges(v) {
            if !g.is_retaining(v, e) {
                continue;
            }
            let w = g.edge_to(e);
            if edge[w as usize] == NONE {
                edge[w as usize] = e as u32;
                queue.push(w);
            }
        }
    }
    ShortestPaths { edge }
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
    fn label(&self, e: u32) -> Option<String> {
        let g = self.graph;
        if e == NONE {
            return None;
        }
        let e = e as usize;
        let t = Some(g.edge_type(e));
        if g.edge_name_is_index(e) {
            return Some("[]".to_string());
        }
        let name = g.strings.get(g.edge_name[e]);
        if t == g.codes.context {
            return Some(format!("'{name}'"));
        }
        if t == g.codes.property {
            return Some(if name.is_empty() {
                "[]".to_string()
            } else {
                format!(".{name}")
            });
        }
        if t == g.codes.internal && !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
            return Some("[]".to_string());
        }
        None
    }

    /// The visible steps from `n` up to the first root-side synthetic node, or None if unreachable.
    fn steps(&self, sp: &ShortestPaths, n: u32) -> Option<Vec<(u32, Option<String>)>> {
        if !sp.reached(n) {
            return None;
        }
        let g = self.graph;
        let mut steps = Vec::new();
        let mut v = n;
        let mut pending_label: Option<String> = None;
        let mut guard = 0usize;
        loop {
            let label = if v == 0 {
                None
            } else {
                self.label(sp.edge_of(v))
            };
            if self.visible(v) {
                // A node held through V8's bookkeeping takes the label of the step into it.
                steps.push((v, label.or(pending_label.take())));
                pending_label = None;
                if v == 0 || Some(g.node_type[v as usize]) == g.codes.synthetic {
                    break;
                }
            } else if pending_label.is_none() {
                pending_label = label;
            }
            v = match sp.parent(g, v) {
                Some(p) => p,
                None => break,
            };
            guard += 1;
            if guard > g.node_count() {
                break;
            }
        }
        // The last step is held by nothing shown; a root's slot number says nothing.
        if let Some(last) = steps.last_mut() {
            last.1 = None;
        }
        let len = steps.len();
        if len >= 2
            && Some(g.node_type[steps[len - 1].0 as usize]) == g.codes.synthetic
            && steps[len - 2].1.as_deref() == Some("[]")
        {
            steps[len - 2].1 = None;
        }
        Some(steps)
    }

    /// Node `n` as a step, referred to by `label` (`.x`, `'x'`, `[]`).
    fn step(&self, n: u32, label: Option<&str>) -> PathStep {
        let g = self.graph;
        let (edge_kind, edge_name) = match label {
            Some("[]") => (Some(EdgeKind::Element), String::new()),
            Some(l) if l.starts_with('.') => (Some(EdgeKind::Property), l[1..].to_string()),
            Some(l) if l.starts_with('\'') && l.len() >= 2 => {
                (Some(EdgeKind::Variable), l[1..l.len() - 1].to_string())
            }
            _ => (None, String::new()),
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
        }
    }

    fn render(&self, steps: &[(u32, Option<String>)]) -> Vec<PathStep> {
        let mut out: Vec<PathStep> = steps
            .iter()
            .take(MAX_STEPS)
            .map(|(n, label)| self.step(*n, label.as_deref()))
            .collect();
        if steps.len() > MAX_STEPS {
            out.push(PathStep {
                class: "…".to_string(),
                function: None,
                location: None,
                edge_kind: None,
                edge_name: String::new(),
            });
        }
        out
    }
}

/// Clusters the paths of `nodes` (at most `max_objects` of them are walked)
/// by the classes and labels of their visible steps; returns the `max_paths`
/// clusters holding the most objects, largest first.
pub fn cluster_paths(
    d: &Describer<'_>,
    sp: &ShortestPaths,
    nodes: &[u32],
    max_objects: usize,
    max_paths: usize,
) -> Vec<RetainerPath> {
    let mut clusters: HashMap<u64, (u64, u32)> = HashMap::new();
    for &n in nodes.iter().take(max_objects) {
        let Some(steps) = d.steps(sp, n) else {
            continue;
        };
        let mut h = DefaultHasher::new();
        for (v, label) in steps.iter().take(MAX_STEPS) {
            d.classes.of_node[*v as usize].hash(&mut h);
            // Closures differ by function, not only by class.
            if Some(d.graph.node_type[*v as usize]) == d.graph.codes.closure {
                d.graph.node_name[*v as usize].hash(&mut h);
                d.graph
                    .location(*v)
                    .map(|l| (l.script_id, l.line, l.column))
                    .hash(&mut h);
            }
            label.hash(&mut h);
        }
        let entry = clusters.entry(h.finish()).or_insert((0, n));
        entry.0 += 1;
    }
    let mut ranked: Vec<(u64, u32)> = clusters.into_values().collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .take(max_paths)
        .filter_map(|(count, n)| {
            let steps = d.render(&d.steps(sp, n)?);
            Some(RetainerPath { count, steps })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heap_snapshot::classes::{classify, script_names};
    use crate::core::heap_snapshot::reader::tests::{every_kind, load, SnapshotText};

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
        let g = load(&t.render()).unwrap();
        let scripts = script_names(&g);
        let classes = classify(&g, &scripts);
        let sp = shortest_paths(&g);
        let d = Describer {
            graph: &g,
            classes: &classes,
            scripts: &scripts,
        };
        let paths = cluster_paths(&d, &sp, &carts, 10_000, 5);
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
    fn weak_edges_and_weak_map_tables_are_not_paths() {
        let g = load(&every_kind().render()).unwrap();
        let sp = shortest_paths(&g);
        // "Cached" is held only weakly; "Value" only through the WeakMap: by its key.
        assert_eq!(sp.parent(&g, 9), None);
        assert_eq!(
            sp.parent(&g, 13),
            Some(12),
            "the value is reached from its key"
        );
        assert_eq!(sp.parent(&g, 14), None, "an orphan has no path");
        assert_eq!(sp.parent(&g, 0), Some(0));
    }
}
