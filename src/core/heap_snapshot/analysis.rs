//! What grew between snapshots of one process and what holds it.
//!
//! With one snapshot: the classes with the largest retained sizes. With two
//! or three (oldest first): objects are matched by V8's object id, which is
//! stable within a process. Objects new in the second snapshot (and, with a
//! third, still alive in it: memlab's rule, which drops what was only
//! in flight) are grouped by class, ranked by retained size, and given their
//! clustered retainer paths. Only the second snapshot is held whole; the
//! others are read for their ids and class totals, then dropped.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use super::classes::{
    classify, script_names, totals_by_name, totals_with_retained, Classes, DominatorTree, Totals,
};
use super::dominators::{dominators_with, retaining_in_degrees, Dominators};
use super::error::{SnapshotError, SnapshotErrorKind};
use super::graph::HeapGraph;
use super::reader::{read_snapshot_file, LoadMode};
use super::retainer_paths::{cluster_paths, shortest_paths, Describer, RetainerPath};

/// Limits of an analysis.
#[derive(Clone, Copy, Debug)]
pub struct AnalyzeOptions {
    /// Classes reported.
    pub top_classes: usize,
    /// Retainer paths per class.
    pub paths_per_class: usize,
    /// Objects per class whose paths are walked.
    pub max_path_objects: usize,
    /// With one snapshot: objects whose id is above this one are the new
    /// ones (V8 numbers objects in order, and kept numbering from a point the
    /// caller noted: heap-object tracking started then).
    pub new_after_id: Option<u32>,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            top_classes: 10,
            paths_per_class: 3,
            max_path_objects: 20_000,
            new_after_id: None,
        }
    }
}

/// Where an analysis is, readable from another thread while it runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// [`Phase`] as a number.
    pub phase: AtomicU32,
    /// Per file: bytes read so far.
    pub bytes_read: [AtomicU64; 3],
    /// Per file: its size.
    pub file_bytes: [AtomicU64; 3],
}

impl Progress {
    /// Bytes read of all files, and their total size.
    pub fn bytes(&self) -> (u64, u64) {
        let read = self
            .bytes_read
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .sum();
        let total = self
            .file_bytes
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .sum();
        (read, total)
    }
}

/// The steps of an analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading a file.
    Reading = 0,
    /// Computing dominators and retained sizes (matching objects between
    /// snapshots beside).
    Dominators = 1,
    /// Summing up classes (and shortest paths beside).
    Classes = 2,
    /// Clustering retainer paths.
    Paths = 3,
    /// Finished.
    Done = 4,
}

impl Phase {
    /// The phase stored as `n`.
    pub fn from_number(n: u32) -> Phase {
        match n {
            0 => Phase::Reading,
            1 => Phase::Dominators,
            2 => Phase::Classes,
            3 => Phase::Paths,
            _ => Phase::Done,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Reading => "reading",
            Phase::Dominators => "dominators",
            Phase::Classes => "classes",
            Phase::Paths => "paths",
            Phase::Done => "done",
        }
    }
}

/// One snapshot as read.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotInfo {
    /// The file.
    pub file: String,
    /// Nodes.
    pub nodes: u64,
    /// Edges.
    pub edges: u64,
    /// Sum of all self sizes.
    pub total_bytes: u64,
    /// Milliseconds to read it.
    pub read_ms: f64,
}

/// One class in the result.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassReport {
    /// The class name (constructor, `(closure)`, `(string)`, …).
    pub name: String,
    /// All its instances in the first snapshot (absent with one snapshot).
    pub base: Option<Totals>,
    /// All its instances in the second (or only) snapshot, with retained sizes.
    pub target: Totals,
    /// All its instances in the third snapshot.
    pub last: Option<Totals>,
    /// Its instances new in the second snapshot (and alive in the third): the suspected leak.
    pub new_objects: Option<Totals>,
    /// How those (or, with one snapshot, all) instances are held, clustered.
    pub retainer_paths: Vec<RetainerPath>,
    /// Where they were allocated, most first (snapshots taken with allocation tracking only).
    pub allocated_at: Vec<(String, u64)>,
}

/// The result of an analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The snapshots, in the order given.
    pub snapshots: Vec<SnapshotInfo>,
    /// Classes, most suspicious (or largest) first.
    pub classes: Vec<ClassReport>,
    /// All new objects (of every class, V8's internal ones included).
    pub new_objects: Option<Totals>,
    /// Nodes of the second snapshot the root does not reach through retaining edges.
    pub unreachable: u64,
    /// Milliseconds per step, in order: `read`, `compare`, `dominators`,
    /// `classes` (with shortest paths on a second thread), `paths`.
    pub timings: Vec<(&'static str, f64)>,
    /// Milliseconds for the whole analysis.
    pub total_ms: f64,
}

/// Times the steps of an analysis one after another.
struct Stopwatch {
    at: Instant,
    laps: Vec<(&'static str, f64)>,
}

impl Stopwatch {
    fn new() -> Self {
        Stopwatch {
            at: Instant::now(),
            laps: Vec::new(),
        }
    }

    /// Ends step `name`.
    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.laps
            .push((name, (now - self.at).as_secs_f64() * 1000.0));
        self.at = now;
    }
}

/// What is kept of a snapshot that is not held whole.
struct IdSummary {
    info: SnapshotInfo,
    /// Stable object ids, sorted.
    ids: Vec<u32>,
    /// (object id, class fingerprint) of one id in [`FINGERPRINT_EVERY`], sorted by id.
    fingerprints: Vec<(u32, u32)>,
    classes: HashMap<String, Totals>,
    max_id: u32,
}

/// Ids whose class is compared between snapshots: one in this many.
const FINGERPRINT_EVERY: u32 = 16;

/// V8 numbers heap objects with odd ids, stable within a process; embedder
/// (C++) nodes get even ids made from addresses, which change between
/// snapshots. Only stable ids are matched.
fn stable_id(id: u32) -> bool {
    id % 2 == 1
}

fn max_stable_id(ids: &[u32]) -> u32 {
    ids.iter()
        .copied()
        .filter(|&id| stable_id(id))
        .max()
        .unwrap_or(0)
}

fn fingerprint(g: &HeapGraph, n: u32) -> u32 {
    let mut h = DefaultHasher::new();
    g.node_type[n as usize].hash(&mut h);
    g.name(n).hash(&mut h);
    h.finish() as u32
}

fn info(file: &str, g: &HeapGraph, started: Instant) -> SnapshotInfo {
    SnapshotInfo {
        file: file.to_string(),
        nodes: g.node_count() as u64,
        edges: g.edges_read,
        total_bytes: (0..g.node_count() as u32).map(|n| g.size(n)).sum(),
        read_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

fn sampled(id: u32) -> bool {
    (id / 2).is_multiple_of(FINGERPRINT_EVERY)
}

fn summarize(file: &str, bytes_read: &AtomicU64) -> Result<IdSummary, SnapshotError> {
    let started = Instant::now();
    let g = read_snapshot_file(file, LoadMode::NodesOnly, Some(bytes_read))?;
    let classes = classify(&g, &HashMap::new());
    let mut ids: Vec<u32> = g
        .node_id
        .iter()
        .copied()
        .filter(|&id| stable_id(id))
        .collect();
    ids.sort_unstable();
    let mut fingerprints: Vec<(u32, u32)> = (0..g.node_count() as u32)
        .filter(|&n| stable_id(g.node_id[n as usize]) && sampled(g.node_id[n as usize]))
        .map(|n| (g.node_id[n as usize], fingerprint(&g, n)))
        .collect();
    fingerprints.sort_unstable_by_key(|p| p.0);
    Ok(IdSummary {
        info: info(file, &g, started),
        max_id: ids.last().copied().unwrap_or(0),
        classes: totals_by_name(&g, &classes, |_| true),
        ids,
        fingerprints,
    })
}

/// The graph's stable ids with their nodes, sorted by id: matched against
/// other snapshots' sorted ids by merging, never by a search per node.
fn sorted_ids(ids: &[u32]) -> Vec<(u32, u32)> {
    let mut by_id: Vec<(u32, u32)> = (0..ids.len() as u32)
        .filter(|&n| stable_id(ids[n as usize]))
        .map(|n| (ids[n as usize], n))
        .collect();
    by_id.sort_unstable();
    by_id
}

/// Per node: whether its id is in `ids` (sorted).
fn membership(node_count: usize, by_id: &[(u32, u32)], ids: &[u32]) -> Vec<bool> {
    let mut found = vec![false; node_count];
    let mut j = 0;
    for &(id, n) in by_id {
        while j < ids.len() && ids[j] < id {
            j += 1;
        }
        if j < ids.len() && ids[j] == id {
            found[n as usize] = true;
        }
    }
    found
}

/// Refuses a pair of snapshots that do not come from one process in time
/// order. `summary` is the other snapshot of the pair; `later_is_graph` says
/// which of the two should have been taken later.
fn check_same_process(
    summary: &IdSummary,
    graph: &HeapGraph,
    graph_ids: &[u32],
    by_id: &[(u32, u32)],
    in_summary: &[bool],
    graph_file: &str,
    later_is_graph: bool,
) -> Result<(), SnapshotError> {
    let graph_max = max_stable_id(graph_ids);
    let (earlier_file, earlier_max, later_file, later_max) = if later_is_graph {
        (
            summary.info.file.as_str(),
            summary.max_id,
            graph_file,
            graph_max,
        )
    } else {
        (
            graph_file,
            graph_max,
            summary.info.file.as_str(),
            summary.max_id,
        )
    };
    if later_max < earlier_max {
        return Err(SnapshotError::whole(
            SnapshotErrorKind::Mismatch,
            later_file,
            format!(
                "was taken before {earlier_file} (its highest object id, {later_max}, is lower than {earlier_max}): give the snapshots oldest first, all from one process"
            ),
        ));
    }
    // Ids name the same objects within one process: an id both snapshots
    // hold should be the same kind of object in both. Root nodes have fixed
    // ids in every process, so only a broad match counts.
    let common = in_summary.iter().filter(|&&b| b).count() as u64;
    let mut sampled_common = 0u64;
    let mut same = 0u64;
    let prints = &summary.fingerprints;
    let mut j = 0;
    for &(id, n) in by_id {
        if !sampled(id) || !in_summary[n as usize] {
            continue;
        }
        sampled_common += 1;
        while j < prints.len() && prints[j].0 < id {
            j += 1;
        }
        if j < prints.len() && prints[j] == (id, fingerprint(graph, n)) {
            same += 1;
        }
    }
    let smaller = (summary.ids.len() as u64).min(graph.node_count() as u64);
    if common * 10 < smaller || same * 10 < sampled_common * 9 {
        return Err(SnapshotError::whole(
            SnapshotErrorKind::Mismatch,
            later_file,
            format!(
                "does not come from the same process as {earlier_file}: object ids don't line up ({common} objects share an id, {same} of {sampled_common} sampled are the same kind of object)"
            ),
        ));
    }
    Ok(())
}

/// Analyses one to three snapshot files (oldest first).
pub fn analyze(
    files: &[String],
    options: &AnalyzeOptions,
    progress: &Progress,
) -> Result<Analysis, SnapshotError> {
    let started = Instant::now();
    if files.is_empty() || files.len() > 3 {
        // The binding checks the count first: a wrong one here is a caller's bug.
        return Err(SnapshotError::whole(
            SnapshotErrorKind::Internal,
            "",
            format!(
                "one to three snapshots are compared; {} were given",
                files.len()
            ),
        ));
    }
    let Loaded {
        mut graph,
        target_info,
        mut base,
        mut last,
    } = read_all(files, progress)?;
    let g = &mut graph;
    let mut watch = Stopwatch::new();
    watch
        .laps
        .push(("read", started.elapsed().as_secs_f64() * 1000.0));

    // The dominators on this thread; beside them, on a second: matching ids
    // (which are freed after), then the in-degrees the dominators need once
    // their depth-first walk is done. Snapshots that do not match end the
    // dominators there.
    progress
        .phase
        .store(Phase::Dominators as u32, Ordering::Relaxed);
    let target_file = &files[if files.len() == 1 { 0 } else { 1 }];
    let target_ids = std::mem::take(&mut g.node_id);
    let g = &graph;
    let (dom, side) = std::thread::scope(|scope| {
        let (base, last) = (&mut base, &mut last);
        let (counted, in_degrees) = std::sync::mpsc::channel();
        let side = scope.spawn(move || -> Result<_, SnapshotError> {
            let is_new = new_object_flags(
                g,
                &target_ids,
                base.as_ref(),
                last.as_ref(),
                options.new_after_id,
                target_file,
            )?;
            drop(target_ids);
            // Ids have served: free them before the step's biggest arrays.
            for summary in [base, last].into_iter().flatten() {
                summary.ids = Vec::new();
                summary.fingerprints = Vec::new();
            }
            // The dominators wait for them, so the channel is open.
            let _ = counted.send(retaining_in_degrees(g));
            Ok(is_new)
        });
        // A closed channel: the match failed (its error is the answer).
        let dom = dominators_with(g, || in_degrees.recv().ok());
        (
            dom,
            side.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    let is_new = side?;
    let dom = dom.ok_or_else(|| {
        SnapshotError::whole(
            SnapshotErrorKind::Internal,
            target_file,
            "the dominators were abandoned with no error to say why",
        )
    })?;
    watch.lap("dominators");

    progress
        .phase
        .store(Phase::Classes as u32, Ordering::Relaxed);
    let (sp, (scripts, classes, all, fresh)) = std::thread::scope(|scope| {
        let side = scope.spawn(|| shortest_paths(g));
        let scripts = script_names(g);
        let classes = classify(g, &scripts);
        let tree = DominatorTree::new(&dom);
        let all = totals_with_retained(g, &classes, &dom, &tree, |_| true);
        let fresh = is_new
            .as_ref()
            .map(|flags| totals_with_retained(g, &classes, &dom, &tree, |n| flags[n as usize]));
        (
            side.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            (scripts, classes, all, fresh),
        )
    });
    let order = rank_classes(&classes, &all, fresh.as_deref(), options.top_classes);
    watch.lap("classes");

    progress.phase.store(Phase::Paths as u32, Ordering::Relaxed);
    let describer = Describer {
        graph: g,
        classes: &classes,
        scripts: &scripts,
    };
    let members = instances(
        g,
        &classes,
        &order,
        is_new.as_deref(),
        &dom,
        options.max_path_objects,
    );
    let reports = order
        .iter()
        .zip(members)
        .map(|(&c, nodes)| {
            let name = &classes.names[c];
            ClassReport {
                name: name.clone(),
                base: base
                    .as_ref()
                    .map(|b| b.classes.get(name).copied().unwrap_or_default()),
                target: all[c],
                last: last
                    .as_ref()
                    .map(|l| l.classes.get(name).copied().unwrap_or_default()),
                new_objects: fresh.as_ref().map(|f| f[c]),
                retainer_paths: cluster_paths(
                    &describer,
                    &sp,
                    &nodes,
                    options.max_path_objects,
                    options.paths_per_class,
                ),
                allocated_at: allocation_sites(g, &nodes, options.paths_per_class),
            }
        })
        .collect();
    let new_objects = is_new
        .as_ref()
        .map(|flags| new_object_totals(g, flags, &dom));
    let snapshots = base
        .map(|b| b.info)
        .into_iter()
        .chain([target_info])
        .chain(last.map(|l| l.info))
        .collect();
    watch.lap("paths");
    progress.phase.store(Phase::Done as u32, Ordering::Relaxed);
    Ok(Analysis {
        snapshots,
        classes: reports,
        new_objects,
        unreachable: dom.unreachable,
        timings: watch.laps,
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// What [`read_all`] read: the target whole, the others as id summaries.
struct Loaded {
    graph: HeapGraph,
    target_info: SnapshotInfo,
    base: Option<IdSummary>,
    last: Option<IdSummary>,
}

/// Reads the snapshots: the target (the second of two or three, else the
/// only one) whole on this thread, while a second thread reads the others
/// for ids and class totals, so only one whole graph is ever in memory.
fn read_all(files: &[String], progress: &Progress) -> Result<Loaded, SnapshotError> {
    progress
        .phase
        .store(Phase::Reading as u32, Ordering::Relaxed);
    for (i, f) in files.iter().enumerate() {
        progress.file_bytes[i].store(
            std::fs::metadata(f).map(|m| m.len()).unwrap_or(0),
            Ordering::Relaxed,
        );
    }
    let target_index = if files.len() == 1 { 0 } else { 1 };
    let target_file = &files[target_index];
    std::thread::scope(|scope| {
        let others = scope.spawn(
            || -> Result<(Option<IdSummary>, Option<IdSummary>), SnapshotError> {
                let base = if files.len() > 1 {
                    Some(summarize(&files[0], &progress.bytes_read[0])?)
                } else {
                    None
                };
                let last = if files.len() > 2 {
                    Some(summarize(&files[2], &progress.bytes_read[2])?)
                } else {
                    None
                };
                Ok((base, last))
            },
        );
        let target_started = Instant::now();
        let target = read_snapshot_file(
            target_file,
            LoadMode::Full,
            Some(&progress.bytes_read[target_index]),
        )
        .map(|g| {
            let i = info(target_file, &g, target_started);
            (g, i)
        });
        let others = others.join().unwrap_or_else(|_| {
            Err(SnapshotError::whole(
                SnapshotErrorKind::Internal,
                &files[0],
                "reading failed on an internal error",
            ))
        });
        // The first file's error first: it is the one the user named first.
        match (others, target) {
            (Err(e), _) if e.file == files[0] => Err(e),
            (_, Err(e)) => Err(e),
            (Err(e), _) => Err(e),
            (Ok((base, last)), Ok((graph, target_info))) => Ok(Loaded {
                graph,
                target_info,
                base,
                last,
            }),
        }
    })
}

/// Which of the target's objects are new: not in the base and (with three
/// snapshots) still in the last; or, with one snapshot and an id, numbered
/// after it. `None` with one snapshot and no id. Checks first that the
/// snapshots come from one process.
fn new_object_flags(
    g: &HeapGraph,
    ids: &[u32],
    base: Option<&IdSummary>,
    last: Option<&IdSummary>,
    new_after_id: Option<u32>,
    target_file: &str,
) -> Result<Option<Vec<bool>>, SnapshotError> {
    let by_id = sorted_ids(ids);
    let in_base = base.map(|b| membership(g.node_count(), &by_id, &b.ids));
    let in_last = last.map(|l| membership(g.node_count(), &by_id, &l.ids));
    if let (Some(b), Some(found)) = (base, &in_base) {
        check_same_process(b, g, ids, &by_id, found, target_file, true)?;
    }
    if let (Some(l), Some(found)) = (last, &in_last) {
        check_same_process(l, g, ids, &by_id, found, target_file, false)?;
    }
    drop(by_id);
    Ok(match (in_base, new_after_id) {
        (Some(found), _) => Some(
            (0..g.node_count())
                .map(|n| stable_id(ids[n]) && !found[n] && in_last.as_ref().is_none_or(|l| l[n]))
                .collect(),
        ),
        (None, Some(after)) => Some(
            (0..g.node_count())
                .map(|n| stable_id(ids[n]) && ids[n] > after)
                .collect(),
        ),
        (None, None) => None,
    })
}

/// The classes to report, at most `top`: with new objects, those that have
/// some, by their retained size; else every class by its retained size.
/// leakguard's internal classes never.
fn rank_classes(
    classes: &Classes,
    all: &[Totals],
    fresh: Option<&[Totals]>,
    top: usize,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..classes.names.len())
        .filter(|&c| !classes.internal[c])
        .collect();
    match fresh {
        Some(f) => {
            order.retain(|&c| f[c].count > 0);
            order.sort_by(|&a, &b| {
                f[b].retained
                    .cmp(&f[a].retained)
                    .then(f[b].count.cmp(&f[a].count))
                    .then(a.cmp(&b))
            });
        }
        None => order.sort_by(|&a, &b| all[b].retained.cmp(&all[a].retained).then(a.cmp(&b))),
    }
    order.truncate(top);
    order
}

/// The new objects in all: count, self size, and retained (those not
/// dominated by another new object, each with all it retains).
fn new_object_totals(g: &HeapGraph, flags: &[bool], dom: &Dominators) -> Totals {
    let mut t = Totals::default();
    for n in 0..g.node_count() as u32 {
        if flags[n as usize] {
            t.count += 1;
            t.self_size += g.size(n);
        }
    }
    t.retained = (0..g.node_count())
        .filter(|&n| flags[n] && !flags[dom.idom[n] as usize])
        .map(|n| dom.retained[n])
        .sum();
    t
}

/// The `top` functions that allocated `nodes`, with counts, most first.
fn allocation_sites(g: &HeapGraph, nodes: &[u32], top: usize) -> Vec<(String, u64)> {
    if g.trace_node.is_empty() {
        return Vec::new();
    }
    let mut tally: HashMap<u32, u64> = HashMap::new();
    for &n in nodes {
        if let Some(f) = g.allocating_function(n) {
            *tally.entry(f).or_default() += 1;
        }
    }
    let mut ranked: Vec<(u32, u64)> = tally.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(top)
        .map(|(f, count)| (g.function_site(f), count))
        .collect()
}

/// For each ranked class, its (new) instances, largest retained first, at most `limit`.
fn instances(
    g: &HeapGraph,
    classes: &Classes,
    order: &[usize],
    is_new: Option<&[bool]>,
    dom: &Dominators,
    limit: usize,
) -> Vec<Vec<u32>> {
    // Per class: its place in `order` (NONE: not ranked).
    const NONE: u32 = u32::MAX;
    let mut slot = vec![NONE; classes.names.len()];
    for (i, &c) in order.iter().enumerate() {
        slot[c] = i as u32;
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); order.len()];
    for n in 0..g.node_count() {
        if is_new.is_some_and(|f| !f[n]) {
            continue;
        }
        let i = slot[classes.of_node[n] as usize];
        if i != NONE {
            members[i as usize].push(n as u32);
        }
    }
    for m in &mut members {
        if m.len() > limit {
            m.sort_by(|&a, &b| dom.retained[b as usize].cmp(&dom.retained[a as usize]));
            m.truncate(limit);
        }
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heap_snapshot::reader::tests::SnapshotText;

    /// A process that keeps `carts` Carts in a Map, plus `temps` short-lived Temps.
    fn process_state(carts: u32, temps: u32, temp_base: u32) -> String {
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc = t.node("synthetic", "(GC roots)", 3, 0);
        let f = t.node("closure", "makeRegistry", 5, 32);
        let ctx = t.node("object", "system / Context", 7, 24);
        let map = t.node("object", "Map", 9, 16);
        // The table is reallocated as the Map grows: a new id each time.
        let table = t.node("array", "", 1_000_001 + carts * 2, 16 * carts as u64);
        // An embedder node: its id (even, from an address) changes every snapshot.
        let native = t.node("native", "Node / Environment", 7_000_000 + carts * 64, 100);
        t.edge(gc, "element", "3", native);
        let cache = t.node("object", "Array", 11, 16);
        t.edge(root, "element", "1", gc);
        t.edge(gc, "element", "1", f);
        t.edge(gc, "element", "2", cache);
        t.edge(f, "internal", "context", ctx);
        t.edge(ctx, "context", "carts", map);
        t.edge(map, "internal", "table", table);
        for i in 0..carts {
            let c = t.node("object", "Cart", 101 + 4 * i, 40);
            let s = t.node("string", &format!("cart-{i}"), 103 + 4 * i, 20);
            t.edge(c, "property", "id", s);
            t.edge(table, "internal", &format!("{}", 3 + i), c);
        }
        for i in 0..temps {
            let x = t.node("object", "Temp", temp_base + 2 * i, 64);
            t.edge(cache, "element", &format!("{i}"), x);
        }
        for i in 0..20 {
            let x = t.node("object", "Stable", 500_001 + 2 * i, 8);
            t.edge(gc, "element", "9", x);
        }
        t.render()
    }

    fn write(name: &str, text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("leakguard-analysis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn three_snapshots_name_the_class_that_leaks_and_its_path() {
        let a = write("a.heapsnapshot", &process_state(10, 5, 200_001));
        let b = write("b.heapsnapshot", &process_state(30, 5, 300_001));
        let c = write("c.heapsnapshot", &process_state(50, 5, 400_001));
        let r = analyze(&[a, b, c], &AnalyzeOptions::default(), &Progress::default()).unwrap();
        let top = &r.classes[0];
        assert_eq!(top.name, "Cart");
        let fresh = top.new_objects.unwrap();
        assert_eq!(fresh.count, 20);
        assert_eq!(fresh.self_size, 800);
        assert_eq!(fresh.retained, 1200, "each Cart retains its id string");
        assert_eq!(top.base.unwrap().count, 10);
        assert_eq!(top.target.count, 30);
        assert_eq!(top.last.unwrap().count, 50);
        assert_eq!(top.retainer_paths[0].count, 20);
        assert_eq!(
            top.retainer_paths[0].text(),
            "Cart [] ← Map 'carts' ← (closure) makeRegistry ← (GC roots)"
        );
        // Temps new in the second snapshot are gone in the third: not suspects.
        assert!(
            r.classes.iter().all(|c| c.name != "Temp"),
            "{:?}",
            r.classes
        );
        assert_eq!(r.snapshots.len(), 3);
        assert_eq!(r.snapshots[1].nodes, 8 + 60 + 5 + 20);
        assert!(
            r.classes.iter().all(|c| c.name != "Node / Environment"),
            "embedder nodes are never new"
        );
    }

    #[test]
    fn two_snapshots_keep_what_is_new_in_the_second() {
        let a = write("a2.heapsnapshot", &process_state(10, 0, 0));
        let b = write("b2.heapsnapshot", &process_state(13, 4, 300_001));
        let r = analyze(&[a, b], &AnalyzeOptions::default(), &Progress::default()).unwrap();
        let names: Vec<_> = r
            .classes
            .iter()
            .map(|c| (c.name.as_str(), c.new_objects.unwrap().count))
            .collect();
        assert_eq!(names, vec![("Temp", 4), ("Cart", 3), ("(string)", 3)]);
    }

    #[test]
    fn one_snapshot_and_an_id_keep_what_was_numbered_after_it() {
        // Ten carts before the point noted, three after (V8 numbers in order).
        let mut t = SnapshotText::default();
        let root = t.node("synthetic", "", 1, 0);
        let gc = t.node("synthetic", "(GC roots)", 3, 0);
        let list = t.node("object", "Array", 5, 16);
        t.edge(root, "element", "1", gc);
        t.edge(gc, "property", "carts", list);
        for i in 0..13u32 {
            let c = t.node("object", "Cart", 101 + 2 * i, 40);
            t.edge(list, "element", &format!("{i}"), c);
        }
        let a = write("after-id.heapsnapshot", &t.render());
        let options = AnalyzeOptions {
            new_after_id: Some(101 + 2 * 9),
            ..AnalyzeOptions::default()
        };
        let r = analyze(&[a], &options, &Progress::default()).unwrap();
        assert_eq!(r.classes[0].name, "Cart");
        assert_eq!(r.classes[0].new_objects.unwrap().count, 3);
        assert_eq!(r.new_objects.unwrap().count, 3);
        assert_eq!(
            r.classes[0].retainer_paths[0].text(),
            "Cart [] ← Array .carts ← (GC roots)"
        );
    }

    #[test]
    fn one_snapshot_ranks_classes_by_retained_size() {
        let a = write("one.heapsnapshot", &process_state(10, 0, 0));
        let r = analyze(&[a], &AnalyzeOptions::default(), &Progress::default()).unwrap();
        assert_eq!(r.classes[0].name, "(closure)");
        assert!(r
            .classes
            .iter()
            .any(|c| c.name == "Cart" && c.target.count == 10 && c.target.retained == 600));
        assert!(r.new_objects.is_none());
    }

    #[test]
    fn snapshots_out_of_order_or_from_two_processes_are_refused() {
        let a = write("o1.heapsnapshot", &process_state(10, 0, 0));
        let b = write("o2.heapsnapshot", &process_state(30, 0, 0));
        let e = analyze(
            &[b.clone(), a.clone()],
            &AnalyzeOptions::default(),
            &Progress::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind, SnapshotErrorKind::Mismatch);
        assert!(e.message.contains("oldest first"), "{e}");
        // Another process: the same ids name other kinds of objects.
        let mut other = SnapshotText::default();
        let root = other.node("synthetic", "", 1, 0);
        for i in 0..300 {
            let n = other.node("object", "Other", 3 + 2 * i, 8);
            other.edge(root, "element", "1", n);
        }
        let newest = other.node("object", "Other", 2_000_001, 8);
        other.edge(root, "element", "1", newest);
        let o = write("o3.heapsnapshot", &other.render());
        let e = analyze(
            &[a.clone(), o],
            &AnalyzeOptions::default(),
            &Progress::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("same process"), "{e}");
        let e = analyze(
            &[a, "/nonexistent.heapsnapshot".to_string()],
            &AnalyzeOptions::default(),
            &Progress::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind, SnapshotErrorKind::Io);
        assert_eq!(e.file, "/nonexistent.heapsnapshot");
    }

    #[test]
    fn a_wrong_file_count_is_a_callers_bug_not_a_read_error() {
        for files in [vec![], vec!["a".to_string(); 4]] {
            let e = analyze(&files, &AnalyzeOptions::default(), &Progress::default()).unwrap_err();
            assert_eq!(e.kind, SnapshotErrorKind::Internal, "{e}");
        }
    }
}
