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

use super::classes::{classify, script_names, totals_by_name, totals_with_retained, Classes, Totals};
use super::dominators::{dominators, Dominators};
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
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { top_classes: 10, paths_per_class: 3, max_path_objects: 20_000 }
    }
}

/// Where an analysis is, readable from another thread while it runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// [`Phase`] as a number.
    pub phase: AtomicU32,
    /// Index of the file being read.
    pub file: AtomicU32,
    /// Bytes of that file read so far.
    pub bytes_read: AtomicU64,
    /// That file's size.
    pub file_bytes: AtomicU64,
}

/// The steps of an analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading a file.
    Reading = 0,
    /// Computing dominators and retained sizes.
    Dominators = 1,
    /// Matching objects between snapshots.
    Comparing = 2,
    /// Finding retainer paths.
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
            2 => Phase::Comparing,
            3 => Phase::Paths,
            _ => Phase::Done,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Reading => "reading",
            Phase::Dominators => "dominators",
            Phase::Comparing => "comparing",
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
    /// Milliseconds computing dominators.
    pub dominators_ms: f64,
    /// Milliseconds for the whole analysis.
    pub total_ms: f64,
}

/// What is kept of a snapshot that is not held whole.
struct IdSummary {
    info: SnapshotInfo,
    /// (object id, class fingerprint), sorted by id.
    ids: Vec<(u32, u32)>,
    classes: HashMap<String, Totals>,
    max_id: u32,
}

/// V8 numbers heap objects with odd ids, stable within a process; embedder
/// (C++) nodes get even ids made from addresses, which change between
/// snapshots. Only stable ids are matched.
fn stable_id(id: u32) -> bool {
    id % 2 == 1
}

fn max_stable_id(g: &HeapGraph) -> u32 {
    g.node_id.iter().copied().filter(|&id| stable_id(id)).max().unwrap_or(0)
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

fn summarize(file: &str, progress: &Progress) -> Result<IdSummary, SnapshotError> {
    let started = Instant::now();
    let g = read_snapshot_file(file, LoadMode::NodesOnly, Some(&progress.bytes_read))?;
    let classes = classify(&g, &HashMap::new());
    let mut ids: Vec<(u32, u32)> = (0..g.node_count() as u32)
        .filter(|&n| stable_id(g.node_id[n as usize]))
        .map(|n| (g.node_id[n as usize], fingerprint(&g, n)))
        .collect();
    ids.sort_unstable_by_key(|p| p.0);
    Ok(IdSummary {
        info: info(file, &g, started),
        max_id: ids.last().map(|p| p.0).unwrap_or(0),
        classes: totals_by_name(&g, &classes, |_| true),
        ids,
    })
}

fn contains(ids: &[(u32, u32)], id: u32) -> Option<u32> {
    ids.binary_search_by_key(&id, |p| p.0).ok().map(|i| ids[i].1)
}

/// Refuses a pair of snapshots that do not come from one process in time order.
fn check_same_process(earlier: &IdSummary, later: &HeapGraph, later_file: &str) -> Result<(), SnapshotError> {
    let later_max = max_stable_id(later);
    if later_max < earlier.max_id {
        return Err(SnapshotError::whole(
            SnapshotErrorKind::Mismatch,
            later_file,
            format!(
                "was taken before {} (its highest object id, {later_max}, is lower than {}): give the snapshots oldest first, all from one process",
                earlier.info.file, earlier.max_id
            ),
        ));
    }
    // Ids name the same objects within one process: an id both snapshots hold
    // should be the same kind of object in both. Small system nodes (roots)
    // have fixed ids in every process, so only a broad match counts.
    let mut common = 0u64;
    let mut same = 0u64;
    for n in 0..later.node_count() as u32 {
        if !stable_id(later.node_id[n as usize]) {
            continue;
        }
        if let Some(f) = contains(&earlier.ids, later.node_id[n as usize]) {
            common += 1;
            if f == fingerprint(later, n) {
                same += 1;
            }
        }
    }
    let earlier_count = earlier.ids.len() as u64;
    if common * 10 < earlier_count || same * 10 < common * 9 {
        return Err(SnapshotError::whole(
            SnapshotErrorKind::Mismatch,
            later_file,
            format!(
                "does not come from the same process as {}: object ids don't line up ({} of its {} objects share an id with it, {} of those are the same kind of object)",
                earlier.info.file,
                common,
                later.node_count(),
                same
            ),
        ));
    }
    Ok(())
}

/// Analyses one to three snapshot files (oldest first).
pub fn analyze(files: &[String], options: &AnalyzeOptions, progress: &Progress) -> Result<Analysis, SnapshotError> {
    let started = Instant::now();
    if files.is_empty() || files.len() > 3 {
        return Err(SnapshotError::whole(SnapshotErrorKind::Io, "", format!("one to three snapshots are compared; {} were given", files.len())));
    }
    let set_file = |i: usize| {
        progress.phase.store(Phase::Reading as u32, Ordering::Relaxed);
        progress.file.store(i as u32, Ordering::Relaxed);
        progress.bytes_read.store(0, Ordering::Relaxed);
        progress.file_bytes.store(std::fs::metadata(&files[i]).map(|m| m.len()).unwrap_or(0), Ordering::Relaxed);
    };
    let target_index = if files.len() == 1 { 0 } else { 1 };
    // The small summaries first: only one whole graph is ever in memory.
    let base = if files.len() > 1 {
        set_file(0);
        Some(summarize(&files[0], progress)?)
    } else {
        None
    };
    let last = if files.len() > 2 {
        set_file(2);
        Some(summarize(&files[2], progress)?)
    } else {
        None
    };
    set_file(target_index);
    let target_started = Instant::now();
    let target_file = &files[target_index];
    let g = read_snapshot_file(target_file, LoadMode::Full, Some(&progress.bytes_read))?;
    let target_info = info(target_file, &g, target_started);

    progress.phase.store(Phase::Comparing as u32, Ordering::Relaxed);
    if let Some(b) = &base {
        check_same_process(b, &g, target_file)?;
    }
    if let Some(l) = &last {
        let later_max = l.max_id;
        let target_max = max_stable_id(&g);
        if later_max < target_max {
            return Err(SnapshotError::whole(
                SnapshotErrorKind::Mismatch,
                &files[2],
                format!("was taken before {target_file} (its highest object id, {later_max}, is lower than {target_max}): give the snapshots oldest first, all from one process"),
            ));
        }
    }

    progress.phase.store(Phase::Dominators as u32, Ordering::Relaxed);
    let dom_started = Instant::now();
    let dom = dominators(&g);
    let dominators_ms = dom_started.elapsed().as_secs_f64() * 1000.0;
    let scripts = script_names(&g);
    let classes = classify(&g, &scripts);

    progress.phase.store(Phase::Comparing as u32, Ordering::Relaxed);
    let is_new: Option<Vec<bool>> = base.as_ref().map(|b| {
        (0..g.node_count())
            .map(|n| {
                let id = g.node_id[n];
                stable_id(id) && contains(&b.ids, id).is_none() && last.as_ref().is_none_or(|l| contains(&l.ids, id).is_some())
            })
            .collect()
    });
    let all = totals_with_retained(&g, &classes, &dom, |_| true);
    let fresh = is_new.as_ref().map(|flags| totals_with_retained(&g, &classes, &dom, |n| flags[n as usize]));

    // Ranking: with a base, classes by the retained size of their new objects; else by retained size.
    let mut order: Vec<usize> = (0..classes.names.len()).filter(|&c| !classes.internal[c]).collect();
    match &fresh {
        Some(f) => {
            order.retain(|&c| f[c].count > 0);
            order.sort_by(|&a, &b| f[b].retained.cmp(&f[a].retained).then(f[b].count.cmp(&f[a].count)).then(a.cmp(&b)));
        }
        None => order.sort_by(|&a, &b| all[b].retained.cmp(&all[a].retained).then(a.cmp(&b))),
    }
    order.truncate(options.top_classes);

    progress.phase.store(Phase::Paths as u32, Ordering::Relaxed);
    let sp = shortest_paths(&g);
    let describer = Describer { graph: &g, classes: &classes, scripts: &scripts };
    let members = instances(&g, &classes, &order, is_new.as_deref(), &dom, options.max_path_objects);
    let reports = order
        .iter()
        .zip(members)
        .map(|(&c, nodes)| {
            let name = &classes.names[c];
            ClassReport {
                name: name.clone(),
                base: base.as_ref().map(|b| b.classes.get(name).copied().unwrap_or_default()),
                target: all[c],
                last: last.as_ref().map(|l| l.classes.get(name).copied().unwrap_or_default()),
                new_objects: fresh.as_ref().map(|f| f[c]),
                retainer_paths: cluster_paths(&describer, &sp, &nodes, options.max_path_objects, options.paths_per_class),
            }
        })
        .collect();
    let new_objects = is_new.as_ref().map(|flags| {
        let mut t = Totals::default();
        for n in 0..g.node_count() as u32 {
            if flags[n as usize] {
                t.count += 1;
                t.self_size += g.size(n);
            }
        }
        // Retained: the new objects not dominated by another new object.
        t.retained = (0..g.node_count()).filter(|&n| flags[n] && !flags[dom.idom[n] as usize]).map(|n| dom.retained[n]).sum();
        t
    });
    let mut snapshots = Vec::new();
    if let Some(b) = base {
        snapshots.push(b.info);
    }
    snapshots.push(target_info);
    if let Some(l) = last {
        snapshots.push(l.info);
    }
    progress.phase.store(Phase::Done as u32, Ordering::Relaxed);
    Ok(Analysis {
        snapshots,
        classes: reports,
        new_objects,
        unreachable: dom.unreachable,
        dominators_ms,
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// For each ranked class, its (new) instances, largest retained first, at most `limit`.
fn instances(g: &HeapGraph, classes: &Classes, order: &[usize], is_new: Option<&[bool]>, dom: &Dominators, limit: usize) -> Vec<Vec<u32>> {
    let slot: HashMap<usize, usize> = order.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); order.len()];
    for n in 0..g.node_count() {
        if is_new.is_some_and(|f| !f[n]) {
            continue;
        }
        if let Some(&i) = slot.get(&(classes.of_node[n] as usize)) {
            members[i].push(n as u32);
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
        assert_eq!(top.retainer_paths[0].path, "Cart [] ← Map 'carts' ← (closure) makeRegistry ← (GC roots)");
        // Temps new in the second snapshot are gone in the third: not suspects.
        assert!(r.classes.iter().all(|c| c.name != "Temp"), "{:?}", r.classes);
        assert_eq!(r.snapshots.len(), 3);
        assert_eq!(r.snapshots[1].nodes, 8 + 60 + 5 + 20);
        assert!(r.classes.iter().all(|c| c.name != "Node / Environment"), "embedder nodes are never new");
    }

    #[test]
    fn two_snapshots_keep_what_is_new_in_the_second() {
        let a = write("a2.heapsnapshot", &process_state(10, 0, 0));
        let b = write("b2.heapsnapshot", &process_state(13, 4, 300_001));
        let r = analyze(&[a, b], &AnalyzeOptions::default(), &Progress::default()).unwrap();
        let names: Vec<_> = r.classes.iter().map(|c| (c.name.as_str(), c.new_objects.unwrap().count)).collect();
        assert_eq!(names, vec![("Temp", 4), ("Cart", 3), ("(string)", 3)]);
    }

    #[test]
    fn one_snapshot_ranks_classes_by_retained_size() {
        let a = write("one.heapsnapshot", &process_state(10, 0, 0));
        let r = analyze(&[a], &AnalyzeOptions::default(), &Progress::default()).unwrap();
        assert_eq!(r.classes[0].name, "(closure)");
        assert!(r.classes.iter().any(|c| c.name == "Cart" && c.target.count == 10 && c.target.retained == 600));
        assert!(r.new_objects.is_none());
    }

    #[test]
    fn snapshots_out_of_order_or_from_two_processes_are_refused() {
        let a = write("o1.heapsnapshot", &process_state(10, 0, 0));
        let b = write("o2.heapsnapshot", &process_state(30, 0, 0));
        let e = analyze(&[b.clone(), a.clone()], &AnalyzeOptions::default(), &Progress::default()).unwrap_err();
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
        let e = analyze(&[a.clone(), o], &AnalyzeOptions::default(), &Progress::default()).unwrap_err();
        assert!(e.message.contains("same process"), "{e}");
        let e = analyze(&[a, "/nonexistent.heapsnapshot".to_string()], &AnalyzeOptions::default(), &Progress::default()).unwrap_err();
        assert_eq!(e.kind, SnapshotErrorKind::Io);
        assert_eq!(e.file, "/nonexistent.heapsnapshot");
    }
}
