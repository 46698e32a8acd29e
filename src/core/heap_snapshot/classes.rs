//! Classes of heap objects, named as DevTools names them: the constructor
//! name for objects, `(closure)`, `(string)`, `(array)`, `(system)` and so
//! on for the rest; a plain `Object` with a V8 location gets it appended.
//! Totals per class count instances, self sizes and retained sizes.

use std::collections::HashMap;

use super::dominators::Dominators;
use super::graph::HeapGraph;
use super::word_hasher::WordMap;

/// Every node's class.
#[derive(Clone, Debug, Default)]
pub struct Classes {
    /// Per node: class index.
    pub of_node: Vec<u32>,
    /// Per class: its name.
    pub names: Vec<String>,
    /// Per class: whether it is V8's own bookkeeping (never a leak a user can fix by name).
    pub internal: Vec<bool>,
}

/// Count and sizes of a set of objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Objects.
    pub count: u64,
    /// Sum of self sizes.
    pub self_size: u64,
    /// Retained size (instances dominated by another of the set's instances of the class count once).
    pub retained: u64,
}

/// Script names by V8 script id, read from closures (closure → shared → script).
pub fn script_names(g: &HeapGraph) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    if !g.has_edges() {
        return names;
    }
    for l in &g.locations {
        if Some(g.node_type[l.node as usize]) != g.codes.closure || names.contains_key(&l.script_id)
        {
            continue;
        }
        let Some(shared) = named_edge(g, l.node, "shared") else {
            continue;
        };
        let script = named_edge(g, shared, "script")
            .or_else(|| named_edge(g, shared, "script_or_debug_info"));
        if let Some(script) = script {
            let name = g.name(script);
            if !name.is_empty() && !name.starts_with("system / ") {
                names.insert(l.script_id, name.to_string());
            }
        }
    }
    names
}

fn named_edge(g: &HeapGraph, n: u32, name: &str) -> Option<u32> {
    g.edges(n)
        .find(|&e| g.edge_name_str(e) == Some(name))
        .map(|e| g.edge_to(e))
}

/// `file:line:column` (one-based) of a location, when its script is known.
pub fn location_text(g: &HeapGraph, scripts: &HashMap<u32, String>, n: u32) -> Option<String> {
    let l = g.location(n)?;
    let file = scripts.get(&l.script_id)?;
    Some(format!("{}:{}:{}", file, l.line + 1, l.column + 1))
}

/// The class name of node `n`.
pub fn class_name(g: &HeapGraph, scripts: &HashMap<u32, String>, n: u32) -> (String, bool) {
    let t = g.type_name(n);
    let name = g.name(n);
    match t {
        "object" | "native" => {
            let internal = name.starts_with("system / ");
            if name == "Object" {
                if let Some(at) = location_text(g, scripts, n) {
                    return (format!("Object ({at})"), false);
                }
            }
            (name.to_string(), internal)
        }
        "hidden" => ("(system)".to_string(), true),
        "code" => ("(compiled code)".to_string(), true),
        "array" => ("(array)".to_string(), true),
        "synthetic" => (name.to_string(), true),
        "object shape" => ("(object shape)".to_string(), true),
        "string" | "concatenated string" | "sliced string" => ("(string)".to_string(), false),
        "number" => ("(heap number)".to_string(), false),
        other => (format!("({other})"), false),
    }
}

/// Classifies every node of `g`.
pub fn classify(g: &HeapGraph, scripts: &HashMap<u32, String>) -> Classes {
    // (type, name string) → class, for all but plain objects with a location.
    let mut index: WordMap<u64, u32> = WordMap::default();
    let mut by_name: HashMap<String, u32> = HashMap::new();
    let mut c = Classes {
        of_node: Vec::with_capacity(g.node_count()),
        ..Classes::default()
    };
    // Which strings read "Object", found once rather than compared per node.
    let object_name: Vec<bool> = (0..g.strings.len() as u32)
        .map(|i| g.strings.get(i) == "Object")
        .collect();
    for n in 0..g.node_count() as u32 {
        // Nodes of one type and name share a class unless a location tells plain objects apart.
        let t = g.node_type[n as usize];
        let name = g.node_name[n as usize];
        let plain_with_location = Some(t) == g.codes.object
            && object_name.get(name as usize) == Some(&true)
            && g.location(n).is_some();
        let key = (t as u64) << 32 | name as u64;
        let known = if plain_with_location {
            None
        } else {
            index.get(&key).copied()
        };
        let id = match known {
            Some(id) => id,
            None => {
                let (name, internal) = class_name(g, scripts, n);
                let id = *by_name.entry(name.clone()).or_insert_with(|| {
                    c.names.push(name);
                    c.internal.push(internal);
                    c.names.len() as u32 - 1
                });
                if !plain_with_location {
                    index.insert(key, id);
                }
                id
            }
        };
        c.of_node.push(id);
    }
    c
}

/// Counts and self sizes per class name of the nodes `include` accepts (no retained sizes).
pub fn totals_by_name(
    g: &HeapGraph,
    classes: &Classes,
    include: impl Fn(u32) -> bool,
) -> HashMap<String, Totals> {
    let mut per_class = vec![Totals::default(); classes.names.len()];
    for n in 0..g.node_count() as u32 {
        if include(n) {
            let t = &mut per_class[classes.of_node[n as usize] as usize];
            t.count += 1;
            t.self_size += g.size(n);
        }
    }
    classes
        .names
        .iter()
        .zip(per_class)
        .filter(|(_, t)| t.count > 0)
        .map(|(name, t)| (name.clone(), t))
        .collect()
}

/// The dominator tree's children lists.
pub struct DominatorTree {
    first: Vec<u32>,
    children: Vec<u32>,
}

impl DominatorTree {
    /// Builds the children lists of `dom`'s tree.
    pub fn new(dom: &Dominators) -> Self {
        let n = dom.idom.len();
        let mut first = vec![0u32; n + 1];
        for v in 1..n {
            first[dom.idom[v] as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut children = vec![0u32; n.saturating_sub(1)];
        // `first[d]` serves as `d`'s fill cursor (no copy of the offsets at
        // the analysis' peak): filled, it holds where `d + 1` starts, and
        // the offsets move back one place.
        for v in 1..n {
            let d = dom.idom[v] as usize;
            children[first[d] as usize] = v as u32;
            first[d] += 1;
        }
        first.copy_within(0..n, 1);
        if let Some(start) = first.first_mut() {
            *start = 0;
        }
        DominatorTree { first, children }
    }
}

/// Totals per class index of the nodes `include` accepts, with retained sizes
/// as DevTools sums them: an instance inside another included instance of its
/// class (in the dominator tree) is already in that one's retained size.
pub fn totals_with_retained(
    g: &HeapGraph,
    classes: &Classes,
    dom: &Dominators,
    tree: &DominatorTree,
    include: impl Fn(u32) -> bool,
) -> Vec<Totals> {
    let n = g.node_count();
    let (first, children) = (&tree.first, &tree.children);
    let mut per_class = vec![Totals::default(); classes.names.len()];
    let mut open = vec![0u32; classes.names.len()];
    // (node, next child position); a node is entered when pushed, left when popped.
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let enter = |v: u32, open: &mut Vec<u32>, per_class: &mut Vec<Totals>| {
        if include(v) {
            let c = classes.of_node[v as usize] as usize;
            let t = &mut per_class[c];
            t.count += 1;
            t.self_size += g.size(v);
            if open[c] == 0 {
                t.retained += dom.retained[v as usize];
            }
            open[c] += 1;
        }
    };
    if n > 0 {
        enter(0, &mut open, &mut per_class);
        stack.push((0, first[0]));
    }
    while let Some(top) = stack.last_mut() {
        let v = top.0;
        if top.1 < first[v as usize + 1] {
            let child = children[top.1 as usize];
            top.1 += 1;
            enter(child, &mut open, &mut per_class);
            stack.push((child, first[child as usize]));
        } else {
            stack.pop();
            if include(v) {
                open[classes.of_node[v as usize] as usize] -= 1;
            }
        }
    }
    per_class
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heap_snapshot::dominators::dominators;
    use crate::core::heap_snapshot::reader::tests::{every_kind, load, SnapshotText};

    #[test]
    fn names_classes_as_devtools_does() {
        let g = load(&every_kind().render()).unwrap();
        let scripts = script_names(&g);
        let c = classify(&g, &scripts);
        let name = |n: u32| c.names[c.of_node[n as usize] as usize].as_str();
        assert_eq!(name(7), "Cart");
        assert_eq!(name(8), "(string)");
        assert_eq!(name(4), "(closure)");
        assert_eq!(name(6), "(array)");
        assert_eq!(name(16), "(system)");
        assert_eq!(name(15), "(compiled code)");
        assert!(c.internal[c.of_node[3] as usize], "a Context is internal");
        assert!(!c.internal[c.of_node[7] as usize]);
    }

    #[test]
    fn plain_objects_take_their_location_and_closures_their_script() {
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let f = t.node("closure", "makeCart", 3, 32);
        let sfi = t.node("code", "makeCart", 5, 40);
        let script = t.node("code", "/app/src/cart.js", 7, 40);
        let o1 = t.node("object", "Object", 9, 16);
        let o2 = t.node("object", "Object", 11, 16);
        let o3 = t.node("object", "Object", 13, 16);
        t.edge(root, "element", "1", f);
        t.edge(f, "internal", "shared", sfi);
        t.edge(sfi, "internal", "script_or_debug_info", script);
        for o in [o1, o2, o3] {
            t.edge(root, "element", "2", o);
        }
        t.locations.push([f, 42, 11, 2]);
        t.locations.push([o1, 42, 20, 9]);
        t.locations.push([o2, 42, 20, 9]);
        let g = load(&t.render()).unwrap();
        let scripts = script_names(&g);
        assert_eq!(
            scripts.get(&42).map(String::as_str),
            Some("/app/src/cart.js")
        );
        let c = classify(&g, &scripts);
        let name = |n: u32| c.names[c.of_node[n as usize] as usize].as_str();
        assert_eq!(name(o1), "Object (/app/src/cart.js:21:10)");
        assert_eq!(c.of_node[o1 as usize], c.of_node[o2 as usize]);
        assert_eq!(name(o3), "Object");
    }

    #[test]
    fn retained_sizes_per_class_count_nested_instances_once() {
        // root → a:Node(10) → b:Node(20) → s:string(5); root → c:Node(40)
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let a = t.node("object", "Node", 3, 10);
        let b = t.node("object", "Node", 5, 20);
        let s = t.node("string", "x", 7, 5);
        let c = t.node("object", "Node", 9, 40);
        t.edge(root, "element", "1", a);
        t.edge(a, "property", "next", b);
        t.edge(b, "property", "name", s);
        t.edge(root, "element", "2", c);
        let g = load(&t.render()).unwrap();
        let classes = classify(&g, &HashMap::new());
        let dom = dominators(&g);
        let tree = DominatorTree::new(&dom);
        let totals = totals_with_retained(&g, &classes, &dom, &tree, |_| true);
        let node = &totals[classes.of_node[a as usize] as usize];
        assert_eq!(
            *node,
            Totals {
                count: 3,
                self_size: 70,
                retained: 75
            }
        );
        // Only b and c: b is no longer inside an included Node.
        let some = totals_with_retained(&g, &classes, &dom, &tree, |n| n == b || n == c);
        assert_eq!(
            some[classes.of_node[b as usize] as usize],
            Totals {
                count: 2,
                self_size: 60,
                retained: 65
            }
        );
        let by_name = totals_by_name(&g, &classes, |_| true);
        assert_eq!(by_name["Node"].count, 3);
        assert_eq!(by_name["(string)"].self_size, 5);
    }
}
