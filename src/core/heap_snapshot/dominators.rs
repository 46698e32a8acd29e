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
use super::huge_pages;

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
    fn nodes(&self) -> usize;
    /// The edge indexes of `v`.
    fn edge_range(&self, v: u32) -> std::ops::Range<usize>;
    /// Edge `e` of `v`'s target, if the edge retains it.
    fn target(&self, v: u32, e: usize) -> Option<u32>;
    /// Self size of `v`.
    fn size(&self, v: u32) -> u64;
}

impl Successors for HeapGraph {
    fn nodes(&self) -> usize {
        self.node_count()
    }
    fn edge_range(&self, v: u32) -> std::ops::Range<usize> {
        self.edges(v)
    }
    fn target(&self, v: u32, e: usize) -> Option<u32> {
        if self.is_retaining(v, e) {
            Some(self.edge_to(e))
        } else {
            None
        }
    }
    fn size(&self, v: u32) -> u64 {
        HeapGraph::size(self, v)
    }
}

/// Per node while the DFS and the predecessor lists are built: its preorder
/// number, its DFS parent's, and a predecessor count (then a fill cursor).
/// Edges lead anywhere in a heap: one cache line serves all three.
#[derive(Clone, Copy)]
struct NodeSlot {
    dfn: u32,
    parent: u32,
    preds: u32,
}

/// Per preorder number during the semidominator pass: one cache line again.
#[derive(Clone, Copy)]
struct SemiSlot {
    ancestor: u32,
    label: u32,
    semi: u32,
}

/// Computes the dominator tree and retained sizes of `g` from node 0.
pub fn dominators<G: Successors + ?Sized>(g: &G) -> Dominators {
    let n = g.nodes();
    if n == 0 {
        return Dominators {
            idom: Vec::new(),
            retained: Vec::new(),
            unreachable: 0,
        };
    }
    // 1. Depth-first preorder. Edges other than tree edges are counted per
    // target as they are met: they are the predecessor lists' entries (a
    // tree edge, or another edge from the DFS parent, gives the parent,
    // where the semidominator search starts anyway).
    let mut slots = huge_pages::filled(
        n,
        NodeSlot {
            dfn: NONE,
            parent: NONE,
            preds: 0,
        },
    );
    let mut vertex: Vec<u32> = huge_pages::with_capacity(n);
    // Frames are (node, next edge): 8 bytes, as a DFS may go millions deep.
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let mut visit = |start: u32, parent_dfn: u32, slots: &mut [NodeSlot], vertex: &mut Vec<u32>| {
        slots[start as usize] = NodeSlot {
            dfn: vertex.len() as u32,
            parent: parent_dfn,
            preds: 0,
        };
        vertex.push(start);
        stack.push((start, g.edge_range(start).start as u32));
        while let Some(top) = stack.last_mut() {
            let (v, e) = (top.0, top.1 as usize);
            if e >= g.edge_range(v).end {
                stack.pop();
                continue;
            }
            top.1 += 1;
            let Some(w) = g.target(v, e) else { continue };
            let v_dfn = slots[v as usize].dfn;
            let slot = &mut slots[w as usize];
            if slot.dfn == NONE {
                *slot = NodeSlot {
                    dfn: vertex.len() as u32,
                    parent: v_dfn,
                    preds: 0,
                };
                vertex.push(w);
                stack.push((w, g.edge_range(w).start as u32));
            } else if slot.parent != v_dfn {
                slot.preds += 1;
            }
        }
    };
    visit(0, NONE, &mut slots, &mut vertex);
    let unreachable = (n - vertex.len()) as u64;
    // Unreached nodes, in order, hang from the root.
    for v in 1..n as u32 {
        if slots[v as usize].dfn == NONE {
            visit(v, 0, &mut slots, &mut vertex);
        }
    }

    // 2. Predecessor lists in preorder, and the parents by preorder number.
    let mut pred_first = huge_pages::filled(n + 1, 0u32);
    let mut parent = huge_pages::filled(n, NONE);
    for d in 0..n {
        let slot = &mut slots[vertex[d] as usize];
        parent[d] = slot.parent;
        pred_first[d + 1] = pred_first[d] + slot.preds;
        slot.preds = pred_first[d];
    }
    let mut preds = huge_pages::filled(pred_first[n] as usize, 0u32);
    for v in 0..n as u32 {
        let dv = slots[v as usize].dfn;
        for e in g.edge_range(v) {
            if let Some(w) = g.target(v, e) {
                let slot = &mut slots[w as usize];
                if slot.parent != dv {
                    preds[slot.preds as usize] = dv;
                    slot.preds += 1;
                }
            }
        }
    }
    drop(slots);

    // 3. Semidominators, in reverse preorder, with path-compressed evaluation.
    let mut sem: Vec<SemiSlot> = huge_pages::with_capacity(n);
    sem.extend((0..n as u32).map(|d| SemiSlot {
        ancestor: NONE,
        label: d,
        semi: d,
    }));
    let mut path: Vec<u32> = Vec::new();
    for w in (1..n).rev() {
        // The parent (not yet linked, so its own semidominator) is the first candidate.
        let mut best = parent[w];
        for &v in &preds[pred_first[w] as usize..pred_first[w + 1] as usize] {
            let u = eval(v, &mut sem, &mut path);
            best = best.min(sem[u as usize].semi);
        }
        sem[w].semi = best;
        sem[w].ancestor = parent[w];
    }
    drop(preds);
    drop(pred_first);

    // 4. Immediate dominators: climb from the parent until at or above the semidominator.
    let mut idom = parent;
    for w in 1..n {
        let mut d = idom[w];
        while d > sem[w].semi {
            d = idom[d as usize];
        }
        idom[w] = d;
    }
    drop(sem);

    // 5. Retained sizes, straight into node numbering, children before
    // parents (a dominator precedes what it dominates in preorder).
    let mut retained: Vec<u64> = huge_pages::with_capacity(n);
    retained.extend((0..n as u32).map(|v| g.size(v)));
    for w in (1..n).rev() {
        let (child, dominator) = (vertex[w] as usize, vertex[idom[w] as usize] as usize);
        retained[dominator] = retained[dominator].saturating_add(retained[child]);
    }
    let mut idom_node = huge_pages::filled(n, 0u32);
    for (d, &v) in vertex.iter().enumerate() {
        idom_node[v as usize] = if d == 0 { v } else { vertex[idom[d] as usize] };
    }
    Dominators {
        idom: idom_node,
        retained,
        unreachable,
    }
}

/// The vertex with the smallest semidominator on `v`'s path to its forest root.
fn eval(v: u32, s: &mut [SemiSlot], path: &mut Vec<u32>) -> u32 {
    if s[v as usize].ancestor == NONE {
        return v;
    }
    // Compress: collect the path, then fold from the top down.
    path.clear();
    let mut x = v;
    while s[s[x as usize].ancestor as usize].ancestor != NONE {
        path.push(x);
        x = s[x as usize].ancestor;
    }
    while let Some(x) = path.pop() {
        let a = s[x as usize].ancestor as usize;
        let la = s[a].label;
        if s[la as usize].semi < s[s[x as usize].label as usize].semi {
            s[x as usize].label = la;
        }
        s[x as usize].ancestor = s[a].ancestor;
    }
    s[v as usize].label
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain {
        out: Vec<Vec<u32>>,
        sizes: Vec<u64>,
    }

    impl Successors for Plain {
        fn nodes(&self) -> usize {
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
        let mut stack: Vec<u32> = starts
            .iter()
            .copied()
            .filter(|&s| Some(s) != removed)
            .collect();
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
            .map(|v| {
                (0..n as u32)
                    .filter(|&d| d == v || d == 0 || !reach(&out, &[0], Some(d))[v as usize])
                    .collect()
            })
            .collect();
        let idom = (0..n)
            .map(|v| {
                if v == 0 {
                    return 0;
                }
                // The strict dominator with the most dominators of its own is the nearest.
                *doms[v]
                    .iter()
                    .filter(|&&d| d as usize != v)
                    .max_by_key(|&&d| doms[d as usize].len())
                    .unwrap()
            })
            .collect();
        let retained = (0..n as u32)
            .map(|d| {
                (0..n)
                    .filter(|&v| doms[v].contains(&d))
                    .map(|v| p.sizes[v])
                    .sum()
            })
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
        let p = Plain {
            out: vec![vec![1], vec![2, 4], vec![3], vec![], vec![3]],
            sizes: vec![0, 1, 10, 100, 1000],
        };
        let d = dominators(&p);
        assert_eq!(d.idom, vec![0, 0, 1, 1, 1]);
        assert_eq!(d.retained, vec![1111, 1111, 10, 100, 1000]);
        assert_eq!(d.unreachable, 0);
    }

    #[test]
    fn unreachable_nodes_hang_from_the_root() {
        // 3 is reached from nothing but 2's subtree; 2 is unreachable.
        let p = Plain {
            out: vec![vec![1], vec![], vec![3], vec![]],
            sizes: vec![0, 1, 10, 100],
        };
        let d = dominators(&p);
        assert_eq!(d.idom, vec![0, 0, 0, 2]);
        assert_eq!(d.retained, vec![111, 1, 110, 100]);
        assert_eq!(d.unreachable, 2);
    }

    #[test]
    fn deep_chains_do_not_overflow_the_stack() {
        let n = 300_000;
        let out = (0..n)
            .map(|i| {
                if i + 1 < n {
                    vec![i as u32 + 1]
                } else {
                    vec![]
                }
            })
            .collect();
        let d = dominators(&Plain {
            out,
            sizes: vec![1; n],
        });
        assert_eq!(d.retained[0], n as u64);
        assert_eq!(d.idom[n - 1], n as u32 - 2);
    }
}
