//! Dominator tree and retained sizes.
//!
//! The semi-NCA form of Lengauer–Tarjan (semidominators by path-compressed
//! evaluation over a forest linked by size, then each immediate dominator
//! as the nearest common ancestor of its DFS parent and its semidominator),
//! all iterative. Only retaining
//! edges count ([`HeapGraph::is_retaining`]). Nodes the root cannot reach
//! that way (held only weakly, or garbage the snapshot still lists) are
//! treated as DevTools treats them: each unvisited node, in file order,
//! becomes a child of the root, so its retained size is its own subgraph's.

use super::graph::HeapGraph;
use super::huge_pages;
use super::prefetch::prefetch;
use super::word_hasher::WordMap;

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
    /// The target of edge `e` counted over all nodes' edges in order,
    /// retaining or not, when the graph keeps its edges in one array: read
    /// ahead of a pass over the edges, to start loading what it will touch.
    fn target_ahead(&self, _e: usize) -> Option<u32> {
        None
    }
    /// Starts loading where `v`'s edges begin (for a walk that will read them soon).
    fn prefetch_offsets(&self, _v: u32) {}
    /// Starts loading `v`'s first edges (their offset should be loaded by now).
    fn prefetch_edges(&self, _v: u32) {}
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
    #[inline]
    fn target_ahead(&self, e: usize) -> Option<u32> {
        (e < self.edge_target.len()).then(|| self.edge_to(e))
    }
    #[inline]
    fn prefetch_offsets(&self, v: u32) {
        if let Some(first) = self.first_edge.get(v as usize) {
            prefetch(first);
        }
    }
    #[inline]
    fn prefetch_edges(&self, v: u32) {
        if let Some(edge) = self
            .first_edge
            .get(v as usize)
            .and_then(|&first| self.edge_target.get(first as usize))
        {
            prefetch(edge);
        }
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

/// Per preorder number (plus one; slot 0 is the empty sentinel) during the
/// semidominator pass, in one 16-byte slot: Lengauer and Tarjan's balanced
/// forest (`ancestor`, `child`, `size`), and `least`, the least
/// semidominator (plus one) their `label` stands for.
#[derive(Clone, Copy)]
struct ForestSlot {
    ancestor: u32,
    least: u32,
    child: u32,
    size: u32,
}

/// The forest of the semidominator pass, linked by size (Lengauer and
/// Tarjan's "sophisticated" LINK), so that paths stay short: on a heap's
/// deep DFS trees plain linking walked ~7 steps an evaluation, each a cache
/// miss. Numbers in and out are preorder numbers.
struct Forest {
    s: Vec<ForestSlot>,
}

impl Forest {
    /// A forest of `n` single-node trees. Its memory is all zeros at first
    /// and is made resident as the pass reaches it (from the highest
    /// preorder number down): a zero slot is a node not yet touched, which
    /// [`Forest::touch`] makes a tree of its own. Slot 0, the sentinel, is
    /// all zeros for good.
    fn new(n: usize) -> Self {
        // SAFETY: all four fields are integers, for which zero is valid.
        let s = unsafe { huge_pages::zeroed(n + 1) };
        Forest { s }
    }

    /// Makes preorder number `v` a tree of its own if the pass has not touched it yet.
    #[inline]
    fn touch(&mut self, v: u32) {
        let slot = &mut self.s[v as usize + 1];
        if slot.size == 0 {
            *slot = ForestSlot {
                ancestor: 0,
                least: v + 1,
                child: 0,
                size: 1,
            };
        }
    }

    /// The least semidominator on the forest path from `v` (in the forest)
    /// to its tree's root, the root left out.
    fn eval(&mut self, v: u32, path: &mut Vec<u32>) -> u32 {
        let s = &mut self.s;
        let v = v as usize + 1;
        // Ancestor 0 is not "outside the forest": after a swap in `link`, a
        // linked node can head a sub-tree of its own, and its `least` (not
        // its own number) is the answer.
        if s[v].ancestor == 0 {
            return s[v].least - 1;
        }
        // Compress: collect the path, then fold from the top down.
        path.clear();
        let mut x = v;
        while s[s[x].ancestor as usize].ancestor != 0 {
            path.push(x as u32);
            x = s[x].ancestor as usize;
        }
        while let Some(y) = path.pop() {
            let y = y as usize;
            let a = s[y].ancestor as usize;
            if s[a].least < s[y].least {
                s[y].least = s[a].least;
            }
            s[y].ancestor = s[a].ancestor;
        }
        let a = s[v].ancestor as usize;
        s[v].least.min(s[a].least) - 1
    }

    /// Adds `w`, whose semidominator is `semi`, under its DFS parent `v`.
    fn link(&mut self, v: u32, w: u32, semi: u32) {
        self.touch(v);
        self.touch(w);
        let s = &mut self.s;
        let (v, w) = (v as usize + 1, w as usize + 1);
        s[w].least = semi + 1;
        let mut x = w;
        loop {
            let c = s[x].child as usize;
            if s[w].least >= s[c].least {
                break;
            }
            let cc = s[c].child as usize;
            if s[x].size + s[cc].size >= 2 * s[c].size {
                s[c].ancestor = x as u32;
                s[x].child = cc as u32;
            } else {
                s[c].size = s[x].size;
                s[x].ancestor = c as u32;
                x = c;
            }
        }
        s[x].least = s[w].least;
        s[v].size += s[w].size;
        if s[v].size < 2 * s[w].size {
            let c = s[v].child;
            s[v].child = x as u32;
            x = c as usize;
        }
        while x != 0 {
            s[x].ancestor = v as u32;
            x = s[x].child as usize;
        }
    }
}

/// Computes the dominator tree and retained sizes of `g` from node 0.
pub fn dominators<G: Successors + ?Sized>(g: &G) -> Dominators {
    dominators_with(g, || Some(retaining_in_degrees(g))).expect("the in-degrees are counted here")
}

/// Per node, how many retaining edges lead to it (self loops and repeats
/// included): a byte a node, with the few that reach [`InDegrees::MANY`]
/// counted aside.
pub struct InDegrees {
    small: Vec<u8>,
    many: WordMap<u32, u32>,
}

impl InDegrees {
    /// Counts from this one on are kept in `many`.
    const MANY: u8 = u8::MAX;

    /// Node `v`'s in-degree.
    fn of(&self, v: usize) -> u32 {
        match self.small[v] {
            Self::MANY => self.many.get(&(v as u32)).copied().unwrap_or(0),
            c => c as u32,
        }
    }

    /// Nodes counted.
    fn len(&self) -> usize {
        self.small.len()
    }
}

/// The in-degrees of `g`'s nodes. It needs only the graph, so another thread
/// can count while [`dominators_with`] walks it.
pub fn retaining_in_degrees<G: Successors + ?Sized>(g: &G) -> InDegrees {
    const AHEAD: usize = 16;
    let mut counts = InDegrees {
        small: huge_pages::filled(g.nodes(), 0u8),
        many: WordMap::default(),
    };
    for v in 0..g.nodes() as u32 {
        for e in g.edge_range(v) {
            if let Some(t) = g.target_ahead(e + AHEAD) {
                if let Some(c) = counts.small.get(t as usize) {
                    prefetch(c);
                }
            }
            if let Some(w) = g.target(v, e) {
                let c = &mut counts.small[w as usize];
                if *c < InDegrees::MANY - 1 {
                    *c += 1;
                } else {
                    // The count goes on aside from MANY - 1 + 1 = MANY.
                    *counts
                        .many
                        .entry(w)
                        .or_insert(u32::from(InDegrees::MANY) - 1) += 1;
                    *c = InDegrees::MANY;
                }
            }
        }
    }
    counts
}

/// [`dominators`], with the in-degrees ([`retaining_in_degrees`]) asked of
/// `in_degrees` once the depth-first walk is done; `None` from it abandons
/// the computation (the caller has given up on it) and gives `None`.
pub fn dominators_with<G: Successors + ?Sized>(
    g: &G,
    in_degrees: impl FnOnce() -> Option<InDegrees>,
) -> Option<Dominators> {
    let n = g.nodes();
    if n == 0 {
        return Some(Dominators {
            idom: Vec::new(),
            retained: Vec::new(),
            unreachable: 0,
        });
    }
    // Sizes in the forest reach `n`, and `link` doubles them.
    debug_assert!(n < 1 << 31, "{n} nodes: at most 2^31 - 1");
    // 1. Depth-first preorder.
    let mut dfs = Preorder::new(n);
    dfs.walk(g, 0, NONE);
    let unreachable = (n - dfs.vertex.len()) as u64;
    // Unreached nodes, in order, hang from the root (with no edge from it:
    // the preorder numbers these walks start at are kept).
    let mut walk_starts: Vec<u32> = Vec::new();
    for v in 1..n as u32 {
        if !dfs.reached(v) {
            walk_starts.push(dfs.vertex.len() as u32);
            dfs.walk(g, v, 0);
        }
    }
    // The walk's stack and bitset go now, not at the end of the function
    // (fields a pattern leaves out live as long as the variable).
    let Preorder {
        mut slots,
        vertex,
        seen,
        stack,
    } = dfs;
    drop((seen, stack));

    // 2. Predecessor lists in preorder, and the parents by preorder number:
    // the sources of retaining edges other than the DFS parent (whose edge
    // starts the semidominator search anyway). The in-degrees (perhaps
    // counted on another thread, from the graph alone) count the parent's
    // edges too: a node's list leaves out one, and the slots that further
    // edges from the parent leave empty hold NONE. Then a pass over the
    // edges fills the lists: each edge's update is independent of the
    // last, so their cache misses overlap.
    let counts = in_degrees()?;
    assert_eq!(counts.len(), n, "an in-degree per node");
    let mut pred_first = huge_pages::filled(n + 1, 0u32);
    let mut parent = huge_pages::filled(n, NONE);
    let mut starts = walk_starts.iter().peekable();
    for d in 0..n {
        let v = vertex[d] as usize;
        let slot = &mut slots[v];
        parent[d] = slot.parent;
        // The root and the unreached walks' starts have no edge from their parent.
        let from_parent = if d == 0 || starts.peek() == Some(&&(d as u32)) {
            starts.next_if_eq(&&(d as u32));
            0
        } else {
            1
        };
        pred_first[d + 1] = pred_first[d] + counts.of(v).saturating_sub(from_parent);
        slot.preds = pred_first[d];
    }
    drop((counts, walk_starts));
    let mut preds = huge_pages::filled(pred_first[n] as usize, NONE);
    for_each_predecessor(g, &mut slots, |slot, dv| {
        preds[slot.preds as usize] = dv;
        slot.preds += 1;
    });
    drop(slots);

    // 3. Semidominators, in reverse preorder, by evaluation over the forest
    // of nodes already done (preorder numbers above `w`). Once `w` is done,
    // `pred_first[w + 1]` is never read again: it takes `w`'s
    // semidominator (one array fewer at the pass's peak).
    // The predecessor lists are read from the end down: their memory goes
    // back to the kernel as the pass leaves it, while the forest's comes in.
    const RELEASE_ITEMS: usize = 1 << 20;
    const AHEAD_NODES: usize = 8;
    let mut released = preds.len();
    let mut forest = Forest::new(n);
    let mut path: Vec<u32> = Vec::new();
    for w in (1..n).rev() {
        // The parent is the first candidate; so is any predecessor numbered
        // at or before `w` (a self loop too: not in the forest yet, its own
        // number counts).
        let mut best = parent[w];
        // Start loading the forest slots the evaluations a few nodes on will read first.
        let ahead = w.saturating_sub(AHEAD_NODES);
        for &v in &preds[pred_first[ahead] as usize..pred_first[ahead + 1] as usize] {
            if let Some(slot) = forest.s.get(v as usize + 1) {
                prefetch(slot);
            }
        }
        for &v in &preds[pred_first[w] as usize..pred_first[w + 1] as usize] {
            if v == NONE {
                continue;
            }
            let candidate = if (v as usize) <= w {
                v
            } else {
                forest.eval(v, &mut path)
            };
            best = best.min(candidate);
        }
        if released - pred_first[w] as usize >= RELEASE_ITEMS {
            released = pred_first[w] as usize;
            huge_pages::release_from(&mut preds, released);
        }
        pred_first[w + 1] = best;
        forest.link(parent[w], w as u32, best);
    }
    drop(forest);
    drop(preds);
    let semi_of = |w: usize| pred_first[w + 1];

    // 4. Immediate dominators: climb from the parent until at or above the semidominator.
    let mut idom = parent;
    for w in 1..n {
        let mut d = idom[w];
        while d > semi_of(w) {
            d = idom[d as usize];
        }
        idom[w] = d;
    }
    drop(pred_first);

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
    Some(Dominators {
        idom: idom_node,
        retained,
        unreachable,
    })
}

/// A depth-first walk numbering nodes in preorder. Whether a node was
/// reached is read from a bitset (a bit a node: 440 KB for 3.5 M nodes,
/// where the slot array is 42 MB); a node's slot is touched only when the
/// walk reaches it.
struct Preorder {
    slots: Vec<NodeSlot>,
    /// Preorder number → node.
    vertex: Vec<u32>,
    seen: Vec<u64>,
    /// Nodes to number, with their parent's preorder number: 8 bytes each, as
    /// a walk may go millions deep.
    stack: Vec<(u32, u32)>,
}

impl Preorder {
    fn new(n: usize) -> Self {
        Preorder {
            slots: huge_pages::filled(
                n,
                NodeSlot {
                    dfn: NONE,
                    parent: NONE,
                    preds: 0,
                },
            ),
            vertex: huge_pages::with_capacity(n),
            seen: vec![0; n.div_ceil(64)],
            stack: Vec::new(),
        }
    }

    fn reached(&self, v: u32) -> bool {
        self.seen[v as usize / 64] & 1 << (v % 64) != 0
    }

    /// Numbers everything `start` reaches that is not numbered yet; `start`'s
    /// DFS parent is preorder number `parent`.
    ///
    /// A node's edges are read once, when it is numbered: the targets not
    /// numbered yet go on the stack with the node as their parent, last edge
    /// first, and a target is numbered when it comes off the stack unless it
    /// was by then. Numbers and parents come out as a recursive walk gives
    /// them (a node's parent is the one whose edge that walk follows to it:
    /// the latest to push it), but a node's edges are never read again after
    /// its subtree, and the stack says which nodes come next: their edges
    /// start loading before they are needed.
    fn walk<G: Successors + ?Sized>(&mut self, g: &G, start: u32, parent: u32) {
        self.stack.push((start, parent));
        while let Some((v, parent)) = self.stack.pop() {
            if self.reached(v) {
                continue;
            }
            if let Some(&(next, _)) = self.stack.last() {
                g.prefetch_edges(next);
            }
            let dv = self.vertex.len() as u32;
            self.seen[v as usize / 64] |= 1 << (v % 64);
            self.slots[v as usize] = NodeSlot {
                dfn: dv,
                parent,
                preds: 0,
            };
            self.vertex.push(v);
            for e in g.edge_range(v).rev() {
                let Some(w) = g.target(v, e) else { continue };
                if !self.reached(w) {
                    self.stack.push((w, dv));
                    g.prefetch_offsets(w);
                }
            }
        }
    }
}

/// Calls `f` with the target's slot and the source's preorder number for
/// every retaining edge that is not a DFS tree edge's parent link.
fn for_each_predecessor<G: Successors + ?Sized>(
    g: &G,
    slots: &mut [NodeSlot],
    mut f: impl FnMut(&mut NodeSlot, u32),
) {
    // How many edges ahead the target's slot starts loading.
    const AHEAD: usize = 16;
    for v in 0..g.nodes() as u32 {
        let dv = slots[v as usize].dfn;
        for e in g.edge_range(v) {
            if let Some(slot) = g
                .target_ahead(e + AHEAD)
                .and_then(|t| slots.get(t as usize))
            {
                prefetch(slot);
            }
            if let Some(w) = g.target(v, e) {
                let slot = &mut slots[w as usize];
                if slot.parent != dv {
                    f(slot, dv);
                }
            }
        }
    }
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

    /// `out` with each node the root does not reach, in order, made a child
    /// of the root (as `dominators` treats them), checked after each.
    fn unreached_under_root(out: &[Vec<u32>]) -> Vec<Vec<u32>> {
        let mut out = out.to_vec();
        let mut seen = reach(&out, &[0], None);
        for v in 1..out.len() as u32 {
            if !seen[v as usize] {
                out[0].push(v);
                seen = reach(&out, &[0], None);
            }
        }
        out
    }

    /// A seeded xorshift: `next(m)` is a number below `m`.
    fn xorshift(mut state: u64) -> impl FnMut(u64) -> u64 {
        move |m| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        }
    }

    /// Dominators by definition: d dominates v when removing d cuts v off.
    fn brute_force(p: &Plain) -> (Vec<u32>, Vec<u64>) {
        let n = p.out.len();
        let out = unreached_under_root(&p.out);
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
    fn nodes_held_from_hundreds_of_places_are_counted_whole() {
        // In-degrees past a byte: node 1 is held by node 0 (its parent) and
        // by each of 2..=600, which node 0 also holds; node 601 is held only
        // by its parent, 1, 700 times over.
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3 {
            let n = 602;
            let mut out = vec![Vec::new(); n];
            out[0].push(1);
            out[0].extend(2..=600);
            for (v, edges) in out.iter_mut().enumerate().take(601).skip(2) {
                edges.push(1);
                if next(3) == 0 {
                    edges.push(v as u32 + 1);
                }
            }
            out[1].extend(std::iter::repeat_n(601, 700));
            let sizes = (0..n).map(|_| 1 + next(100)).collect();
            let p = Plain { out, sizes };
            let got = dominators(&p);
            let (idom, retained) = brute_force(&p);
            assert_eq!(got.idom, idom);
            assert_eq!(got.retained, retained);
        }
    }

    #[test]
    fn matches_the_definition_on_random_graphs() {
        let mut next = xorshift(0x2545F4914F6CDD1Du64);
        for _ in 0..4000 {
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

    /// Immediate dominators the iterative way (Cooper, Harvey and Kennedy),
    /// on the same graph with each unreached node, in order, made a child
    /// of the root: slow but plainly right, for graphs too big to brute-force.
    fn iterative(p: &Plain) -> Vec<u32> {
        let n = p.out.len();
        let out = unreached_under_root(&p.out);
        // Postorder numbers, by an explicit stack.
        let mut post = vec![usize::MAX; n];
        let mut order = Vec::new();
        let mut on = vec![false; n];
        let mut stack = vec![(0u32, 0usize)];
        on[0] = true;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if let Some(&w) = out[v as usize].get(*i) {
                *i += 1;
                if !on[w as usize] {
                    on[w as usize] = true;
                    stack.push((w, 0));
                }
            } else {
                post[v as usize] = order.len();
                order.push(v);
                stack.pop();
            }
        }
        let mut into = vec![Vec::new(); n];
        for (v, targets) in out.iter().enumerate() {
            for &w in targets {
                into[w as usize].push(v as u32);
            }
        }
        let mut idom = vec![u32::MAX; n];
        idom[0] = 0;
        let mut changed = true;
        while changed {
            changed = false;
            for &b in order.iter().rev().skip(1) {
                let mut new = u32::MAX;
                for &q in &into[b as usize] {
                    if idom[q as usize] == u32::MAX {
                        continue;
                    }
                    new = if new == u32::MAX {
                        q
                    } else {
                        common_dominator(q, new, &idom, &post)
                    };
                }
                if idom[b as usize] != new {
                    idom[b as usize] = new;
                    changed = true;
                }
            }
        }
        idom
    }

    /// Where the dominator-tree paths up from `x` and `y` meet (postorder
    /// numbers rise towards the root).
    fn common_dominator(mut x: u32, mut y: u32, idom: &[u32], post: &[usize]) -> u32 {
        while x != y {
            while post[x as usize] < post[y as usize] {
                x = idom[x as usize];
            }
            while post[y as usize] < post[x as usize] {
                y = idom[y as usize];
            }
        }
        x
    }

    #[test]
    fn matches_the_iterative_method_on_deep_graphs() {
        // Long chains with cross, back and self edges and unreached islands:
        // deep DFS trees and long forest paths, where compression matters.
        let mut next = xorshift(0x9E3779B97F4A7C15u64);
        for round in 0..12 {
            let n = 500 + 250 * round;
            let mut out = vec![Vec::new(); n];
            for (v, targets) in out.iter_mut().enumerate().take(n - 1) {
                if next(50) != 0 {
                    targets.push(v as u32 + 1);
                }
            }
            for _ in 0..(n as u64 * (1 + round as u64 % 3)) {
                let a = next(n as u64) as usize;
                out[a].push(next(n as u64) as u32);
            }
            let sizes: Vec<u64> = (0..n).map(|_| 1 + next(100)).collect();
            let p = Plain { out, sizes };
            let got = dominators(&p);
            assert_eq!(got.idom, iterative(&p), "round {round}");
            // Retained: each node's own size plus its dominator-tree children's.
            let mut expected = p.sizes.clone();
            let depth: Vec<usize> = (0..n)
                .map(|v| {
                    let (mut d, mut x) = (0, v);
                    while x != 0 {
                        x = got.idom[x] as usize;
                        d += 1;
                    }
                    d
                })
                .collect();
            let mut by_depth: Vec<usize> = (1..n).collect();
            by_depth.sort_by_key(|&v| std::cmp::Reverse(depth[v]));
            for v in by_depth {
                expected[got.idom[v] as usize] += expected[v];
            }
            assert_eq!(got.retained, expected, "round {round}");
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
