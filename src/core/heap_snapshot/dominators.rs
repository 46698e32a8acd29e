//! Dominator tree and retained sizes.
//!
//! The semi-NCA form of Lengauer–Tarjan (semidominators by path-compressed
//! evaluation, then each immediate dominator as the nearest common ancestor
//! of its DFS parent and its semidominator), all iterative. Only retaining
//! edges count ([`HeapGraph::is_retaining`]). Nodes the root cannot reach
//! that way (held only weakly, or garbage the snapshot still lists) are
//! treated as DevTools treats them: each unvisited node, in file order,
//! becomes a child of the root, so its retained size is its own subgraph's.

use super::graph::HeapGraph;

const NONE: u32 = u32::MAX;

/// The dominator tree of a snapshot and every node's retained size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dominators {
    /// Per node: its immediate dominator (the root's is the root).
    pub idom: Vec<u32>,
    /// Per node: bytes that would be freed if it were (its self size plus all it dominates).
    pub retained: Vec<u64>,
    /// Nodes the root does not reach through retaining edges.
    pub unreachable: u64,
}

/// A graph as the algorithm sees it: nodes, edges by index, sizes.
pub trait Successors {
    /// Number of nodes; node 0 is the root.
    fn len(&self) -> usize;
    /// The edge indexes of `v`.
    fn edge_range(&self, v: u32) -> std::ops::Range<usize>;
    /// Edge `e` of `v`'s target, if the edge retains it.
    fn target(&self, v: u32, e: usize) -> Option<u32>;
    /// Self size of `v`.
    fn size(&self, v: u32) -> u64;
}

impl Successors for HeapGraph {
    fn len(&self) -> usize {
        self.node_count()
    }
    fn edge_range(&self, v: u32) -> std::ops::Range<usize> {
        self.edges(v)
    }
    fn target(&self, v: u32, e: usize) -> Option<u32> {
        if self.is_retaining(v, e) {
            Some(self.edge_to[e])
        } else {
            None
        }
    }
    fn size(&self, v: u32) -> u64 {
        HeapGraph::size(self, v)
    }
}

fn for_each_successor(g: &dyn Successors, v: u32, mut f: impl FnMut(u32)) {
    for e in g.edge_range(v) {
        if let Some(w) = g.target(v, e) {
            f(w)
        }
    }
}

/// Computes the dominator tree and retained sizes of `g` from node 0.
pub fn dominators(g: &dyn Successors) -> Dominators {
    let n = g.len();
    if n == 0 {
        return Dominators { idom: Vec::new(), retained: Vec::new(), unreachable: 0 };
    }
    // 1. Depth-first preorder: dfn per node, vertex per dfn, parent per dfn.
    let mut dfn = vec![NONE; n];
    let mut vertex: Vec<u32> = Vec::with_capacity(n);
    let mut parent: Vec<u32> = Vec::with_capacity(n);
    let mut orphan_starts: Vec<u32> = Vec::new();
    let mut stack: Vec<(u32, usize, usize)> = Vec::new();
    let mut visit = |start: u32, parent_dfn: u32, dfn: &mut Vec<u32>, vertex: &mut Vec<u32>, parent: &mut Vec<u32>| {
        dfn[start as usize] = vertex.len() as u32;
        vertex.push(start);
        parent.push(parent_dfn);
        let r = g.edge_range(start);
        stack.push((start, r.start, r.end));
        while let Some(top) = stack.last_mut() {
            if top.1 >= top.2 {
                stack.pop();
                continue;
            }
            let (v, e) = (top.0, top.1);
            top.1 += 1;
            if let Some(w) = g.target(v, e) {
                if dfn[w as usize] == NONE {
                    dfn[w as usize] = vertex.len() as u32;
                    vertex.push(w);
                    parent.push(dfn[v as usize]);
                    let r = g.edge_range(w);
                    stack.push((w, r.start, r.end));
                }
            }
        }
    };
    visit(0, NONE, &mut dfn, &mut vertex, &mut parent);
    let unreachable = (n - vertex.len()) as u64;
    for v in 1..n as u32 {
        if dfn[v as usize] == NONE {
            orphan_starts.push(v);
            visit(v, 0, &mut dfn, &mut vertex, &mut parent);
        }
    }

    // 2. Predecessors in dfn space (retaining edges, plus root → each orphan start).
    let mut pred_first = vec![0u32; n + 1];
    for v in 0..n as u32 {
        for_each_successor(g, v, |w| pred_first[dfn[w as usize] as usize + 1] += 1);
    }
    for &o in &orphan_starts {
        pred_first[dfn[o as usize] as usize + 1] += 1;
    }
    for i in 0..n {
        pred_first[i + 1] += pred_first[i];
    }
    let mut preds = vec![0u32; pred_first[n] as usize];
    {
        let mut fill = pred_first.clone();
        for v in 0..n as u32 {
            let dv = dfn[v as usize];
            for_each_successor(g, v, |w| {
                let slot = &mut fill[dfn[w as usize] as usize];
                preds[*slot as usize] = dv;
                *slot += 1;
            });
        }
        for &o in &orphan_starts {
            let slot = &mut fill[dfn[o as usize] as usize];
            preds[*slot as usize] = 0;
            *slot += 1;
        }
    }

    // 3. Semidominators, in reverse preorder, with path-compressed evaluation.
    let mut semi: Vec<u32> = (0..n as u32).collect();
    let mut label: Vec<u32> = (0..n as u32).collect();
    let mut ancestor = vec![NONE; n];
    let mut path: Vec<u32> = Vec::new();
    for w in (1..n).rev() {
        let mut s = semi[w];
        for &v in &preds[pred_first[w] as usize..pred_first[w + 1] as usize] {
            let u = eval(v, &mut ancestor, &mut label, &semi, &mut path);
            s = s.min(semi[u as usize]);
        }
        semi[w] = s;
        ancestor[w] = parent[w];
    }
    drop(preds);
    drop(pred_first);
    drop(label);
    drop(ancestor);

    // 4. Immediate dominators: climb from the parent until at or above the semidominator.
    let mut idom = parent;
    for w in 1..n {
        let mut d = idom[w];
        while d > semi[w] {
            d = idom[d as usize];
        }
        idom[w] = d;
    }
    drop(semi);

    // 5. Retained sizes, children before parents (a dominator precedes what it dominates).
    let mut retained: Vec<u64> = vertex.iter().map(|&v| g.size(v)).collect();
    for w in (1..n).rev() {
        let d = idom[w] as usize;
        retained[d] = retained[d].saturating_add(retained[w]);
    }

    // Back to node numbering.
    let mut idom_node = vec![0u32; n];
    let mut retained_node = vec![0u64; n];
    for (d, &v) in vertex.iter().enumerate() {
        idom_node[v as usize] = if d == 0 { v } else { vertex[idom[d] as usize] };
        retained_node[v as usize] = retained[d];
    }
    Dominators { idom: idom_node, retained: retained_node, unreachable }
}

/// The vertex with the smallest semidominator on `v`'s path to its forest root.
fn eval(v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], path: &mut Vec<u32>) -> u32 {
    if ancestor[v as usize] == NONE {
        return v;
    }
    // Compress: collect the path, then fold from the top down.
    path.clear();
    let mut x = v;
    while ancestor[ancestor[x as usize] as usize] != NONE {
        path.push(x);
        x = ancestor[x as usize];
    }
    while let Some(x) = path.pop() {
        let a = ancestor[x as usize] as usize;
        if semi[label[a] as usize] < semi[label[x as usize] as usize] {
            label[x as usize] = label[a];
        }
        ancestor[x as usize] = ancestor[a];
    }
    label[v as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain {
        out: Vec<Vec<u32>>,
        sizes: Vec<u64>,
    }

    impl Successors for Plain {
        fn len(&self) -> usize {
            self.out.len()
        }
        fn edge_range(&self, v: u32) -> std::ops::Range<usize> {
            0..self.out[v as usize].len()
        }
        fn target(&self, v: u32, e: usize) -> Option<u32> {
            Some(self.out[v as usize][e])
        }
        fn size(&self, v: u32) -> u64 {
            self.sizes[v as usize]
        }
    }

    fn reach(out: &[Vec<u32>], starts: &[u32], removed: Option<u32>) -> Vec<bool> {
        let mut seen = vec![false; out.len()];
        let mut stack: Vec<u32> = starts.iter().copied().filter(|&s| Some(s) != removed).collect();
        for &s in &stack {
            seen[s as usize] = true;
        }
        while let Some(v) = stack.pop() {
            for &w in &out[v as usize] {
                if Some(w) != removed && !seen[w as usize] {
                    seen[w as usize] = true;
                    stack.push(w);
                }
            }
        }
        seen
    }

    /// Dominators by definition: d dominates v when removing d cuts v off.
    fn brute_force(p: &Plain) -> (Vec<u32>, Vec<u64>) {
        let n = p.out.len();
        // The same augmentation: unvisited nodes in order become root children.
        let mut out = p.out.clone();
        let mut seen = reach(&out, &[0], None);
        for v in 1..n as u32 {
            if !seen[v as usize] {
                out[0].push(v);
                seen = reach(&out, &[0], None);
            }
        }
        let doms: Vec<Vec<u32>> = (0..n as u32)
            .map(|v| (0..n as u32).filter(|&d| d == v || d == 0 || !reach(&out, &[0], Some(d))[v as usize]).collect())
            .collect();
        let idom = (0..n)
            .map(|v| {
                if v == 0 {
                    return 0;
                }
                // The strict dominator with the most dominators of its own is the nearest.
                *doms[v].iter().filter(|&&d| d as usize != v).max_by_key(|&&d| doms[d as usize].len()).unwrap()
            })
            .collect();
        let retained = (0..n as u32)
            .map(|d| (0..n).filter(|&v| doms[v].contains(&d)).map(|v| p.sizes[v]).sum())
            .collect();
        (idom, retained)
    }

    #[test]
    fn matches_the_definition_on_random_graphs() {
        let mut state = 0x2545F4914F6CDD1Du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for _ in 0..400 {
            let n = 1 + next(12) as usize;
            let edges = next(3 * n as u64 + 1);
            let mut out = vec![Vec::new(); n];
            for _ in 0..edges {
                let a = next(n as u64) as usize;
                let b = next(n as u64) as u32;
                out[a].push(b);
            }
            let sizes = (0..n).map(|_| 1 + next(100)).collect();
            let p = Plain { out, sizes };
            let got = dominators(&p);
            let (idom, retained) = brute_force(&p);
            assert_eq!(got.idom, idom, "graph {:?}", p.out);
            assert_eq!(got.retained, retained, "graph {:?}", p.out);
        }
    }

    #[test]
    fn a_chain_and_a_diamond() {
        // 0 → 1 → 2 → 3, 1 → 4 → 3: 3 is dominated by 1, not by 2 or 4.
        let p = Plain { out: vec![vec![1], vec![2, 4], vec![3], vec![], vec![3]], sizes: vec![0, 1, 10, 100, 1000] };
        let d = dominators(&p);
        assert_eq!(d.idom, vec![0, 0, 1, 1, 1]);
        assert_eq!(d.retained, vec![1111, 1111, 10, 100, 1000]);
        assert_eq!(d.unreachable, 0);
    }

    #[test]
    fn unreachable_nodes_hang_from_the_root() {
        // 3 is reached from nothing but 2's subtree; 2 is unreachable.
        let p = Plain { out: vec![vec![1], vec![], vec![3], vec![]], sizes: vec![0, 1, 10, 100] };
        let d = dominators(&p);
        assert_eq!(d.idom, vec![0, 0, 0, 2]);
        assert_eq!(d.retained, vec![111, 1, 110, 100]);
        assert_eq!(d.unreachable, 2);
    }

    #[test]
    fn deep_chains_do_not_overflow_the_stack() {
        let n = 300_000;
        let out = (0..n).map(|i| if i + 1 < n { vec![i as u32 + 1] } else { vec![] }).collect();
        let d = dominators(&Plain { out, sizes: vec![1; n] });
        assert_eq!(d.retained[0], n as u64);
        assert_eq!(d.idom[n - 1], n as u32 - 2);
    }
}
