//! Heap snapshot analysis for JavaScript: runs [`crate::core::heap_snapshot`]
//! on libuv's thread pool (the event loop is never blocked by it) and
//! converts the result. A file that cannot be analysed resolves to a
//! failure object; the facade turns it into a coded error.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

use crate::core::heap_snapshot::analysis::{
    analyze, Analysis, AnalyzeOptions, ClassReport, Phase, Progress, SnapshotInfo,
};
use crate::core::heap_snapshot::classes::Totals;
use crate::core::heap_snapshot::error::{SnapshotError, SnapshotErrorKind};
use crate::core::heap_snapshot::retainer_paths::{PathStep, RetainerPath};

/// Count and sizes of a set of objects.
#[napi(object)]
pub struct TotalsObject {
    /// Objects.
    pub count: f64,
    /// Sum of their self sizes in bytes.
    pub self_size: f64,
    /// Bytes they keep alive (absent where only counts were read).
    pub retained_size: Option<f64>,
}

impl From<Totals> for TotalsObject {
    fn from(t: Totals) -> Self {
        TotalsObject {
            count: t.count as f64,
            self_size: t.self_size as f64,
            retained_size: Some(t.retained as f64),
        }
    }
}

/// Totals of a snapshot read for counts only.
fn counts_only(t: Totals) -> TotalsObject {
    TotalsObject {
        retained_size: None,
        ..t.into()
    }
}

/// One object on a retainer path.
#[napi(object)]
pub struct PathStepObject {
    /// Its class (`Map`, `(closure)`, `(GC roots)`); `…` where steps were cut.
    pub class: String,
    /// For a closure: its function's name.
    pub function: Option<String>,
    /// For a closure: where its function is, `file:line:column`.
    pub location: Option<String>,
    /// How the next step up refers to it: `'property'`, `'variable'` or `'element'`.
    pub edge_kind: Option<String>,
    /// The property or variable name (empty for elements).
    pub edge_name: String,
    /// Objects of this class held the same way in a row (a linked list), shown as one step.
    pub repeat: f64,
}

impl From<PathStep> for PathStepObject {
    fn from(s: PathStep) -> Self {
        PathStepObject {
            class: s.class,
            function: s.function,
            location: s.location,
            edge_kind: s.edge_kind.map(|k| k.as_str().to_string()),
            edge_name: s.edge_name,
            repeat: s.repeat as f64,
        }
    }
}

/// Objects held the same way.
#[napi(object)]
pub struct RetainerPathObject {
    /// Objects this path holds.
    pub count: f64,
    /// Its steps, from the object up.
    pub steps: Vec<PathStepObject>,
}

impl From<RetainerPath> for RetainerPathObject {
    fn from(p: RetainerPath) -> Self {
        RetainerPathObject {
            count: p.count as f64,
            steps: p.steps.into_iter().map(Into::into).collect(),
        }
    }
}

/// One class of the result.
#[napi(object)]
pub struct ClassReportObject {
    /// Class name.
    pub name: String,
    /// Its instances in the first snapshot.
    pub base: Option<TotalsObject>,
    /// Its instances in the second (or only) snapshot.
    pub target: TotalsObject,
    /// Its instances in the third snapshot.
    pub last: Option<TotalsObject>,
    /// Its instances new in the second snapshot (and alive in the third).
    pub new_objects: Option<TotalsObject>,
    /// How they are held.
    pub retainer_paths: Vec<RetainerPathObject>,
    /// Where they were allocated (snapshots taken with allocation tracking only).
    pub allocated_at: Vec<AllocationTraceSite>,
}

/// A function that allocated objects of a class, from the snapshot's allocation traces.
#[napi(object)]
pub struct AllocationTraceSite {
    /// `name (script:line:column)`.
    pub site: String,
    /// Objects it allocated.
    pub count: f64,
}

impl From<ClassReport> for ClassReportObject {
    fn from(c: ClassReport) -> Self {
        ClassReportObject {
            name: c.name,
            base: c.base.map(counts_only),
            target: c.target.into(),
            last: c.last.map(counts_only),
            new_objects: c.new_objects.map(Into::into),
            retainer_paths: c.retainer_paths.into_iter().map(Into::into).collect(),
            allocated_at: c
                .allocated_at
                .into_iter()
                .map(|(site, count)| AllocationTraceSite {
                    site,
                    count: count as f64,
                })
                .collect(),
        }
    }
}

/// One snapshot as read.
#[napi(object)]
pub struct SnapshotInfoObject {
    /// The file.
    pub file: String,
    /// Nodes.
    pub nodes: f64,
    /// Edges.
    pub edges: f64,
    /// Sum of self sizes.
    pub total_bytes: f64,
    /// Milliseconds to read it.
    pub read_ms: f64,
}

impl From<SnapshotInfo> for SnapshotInfoObject {
    fn from(s: SnapshotInfo) -> Self {
        SnapshotInfoObject {
            file: s.file,
            nodes: s.nodes as f64,
            edges: s.edges as f64,
            total_bytes: s.total_bytes as f64,
            read_ms: s.read_ms,
        }
    }
}

/// A finished analysis.
#[napi(object)]
pub struct HeapAnalysisObject {
    /// The snapshots in the order given.
    pub snapshots: Vec<SnapshotInfoObject>,
    /// Classes, most suspicious first.
    pub classes: Vec<ClassReportObject>,
    /// All new objects.
    pub new_objects: Option<TotalsObject>,
    /// Nodes not reachable from the root through retaining edges.
    pub unreachable: f64,
    /// Milliseconds per step: `read`, `compare`, `dominators`, `classes`, `paths`.
    pub timings: Vec<StepTime>,
    /// Milliseconds in all.
    pub total_ms: f64,
}

impl From<Analysis> for HeapAnalysisObject {
    fn from(a: Analysis) -> Self {
        HeapAnalysisObject {
            snapshots: a.snapshots.into_iter().map(Into::into).collect(),
            classes: a.classes.into_iter().map(Into::into).collect(),
            new_objects: a.new_objects.map(Into::into),
            unreachable: a.unreachable as f64,
            timings: a
                .timings
                .into_iter()
                .map(|(step, ms)| StepTime {
                    step: step.to_string(),
                    ms,
                })
                .collect(),
            total_ms: a.total_ms,
        }
    }
}

/// How long one step of an analysis took.
#[napi(object)]
pub struct StepTime {
    /// The step.
    pub step: String,
    /// Milliseconds.
    pub ms: f64,
}

/// Why snapshots could not be analysed.
#[napi(object)]
pub struct SnapshotFailureObject {
    /// `'io' | 'syntax' | 'format' | 'mismatch' | 'internal'`.
    pub kind: String,
    /// The file.
    pub file: String,
    /// Byte offset of the problem, when it is one place.
    pub offset: Option<f64>,
    /// What is wrong.
    pub message: String,
}

impl From<SnapshotError> for SnapshotFailureObject {
    fn from(e: SnapshotError) -> Self {
        SnapshotFailureObject {
            kind: e.kind.name().to_string(),
            file: e.file,
            offset: e.offset.map(|o| o as f64),
            message: e.message,
        }
    }
}

/// An analysis or why there is none.
#[napi(object)]
pub struct HeapAnalysisOutcome {
    /// The result.
    pub analysis: Option<HeapAnalysisObject>,
    /// The failure.
    pub failure: Option<SnapshotFailureObject>,
}

/// Where a running analysis is.
#[napi(object)]
pub struct HeapAnalysisProgress {
    /// `'reading' | 'dominators' | 'classes' | 'paths' | 'done'`.
    pub phase: String,
    /// Bytes read of all the files.
    pub bytes_read: f64,
    /// Their size.
    pub total_bytes: f64,
}

/// The analysis as a thread-pool task.
pub struct AnalysisTask {
    files: Vec<String>,
    options: AnalyzeOptions,
    progress: Arc<Progress>,
}

impl Task for AnalysisTask {
    type Output = Result<Analysis, SnapshotError>;
    type JsValue = HeapAnalysisOutcome;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let (files, options, progress) = (&self.files, &self.options, &self.progress);
        // A bug must not take the process down with it.
        match catch_unwind(AssertUnwindSafe(|| analyze(files, options, progress))) {
            Ok(result) => Ok(result),
            Err(_) => Ok(Err(SnapshotError::whole(
                SnapshotErrorKind::Internal,
                &files.join(", "),
                "the analysis failed on an internal error (a bug in leakguard)",
            ))),
        }
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(match output {
            Ok(a) => HeapAnalysisOutcome {
                analysis: Some(a.into()),
                failure: None,
            },
            Err(e) => HeapAnalysisOutcome {
                analysis: None,
                failure: Some(e.into()),
            },
        })
    }
}

/// One analysis of one to three snapshot files, with its progress.
#[napi]
pub struct HeapAnalysisJob {
    files: Vec<String>,
    options: AnalyzeOptions,
    progress: Arc<Progress>,
}

#[napi]
impl HeapAnalysisJob {
    /// A job over `files` (oldest first) with the result's limits; with one
    /// file and `new_after_id`, objects numbered past it are the new ones.
    #[napi(constructor)]
    pub fn new(
        files: Vec<String>,
        top_classes: u32,
        paths_per_class: u32,
        max_path_objects: u32,
        new_after_id: Option<u32>,
    ) -> Self {
        HeapAnalysisJob {
            files,
            options: AnalyzeOptions {
                top_classes: top_classes as usize,
                paths_per_class: paths_per_class as usize,
                max_path_objects: max_path_objects as usize,
                new_after_id,
            },
            progress: Arc::new(Progress::default()),
        }
    }

    /// Runs the analysis off the main thread; resolves the outcome.
    #[napi(ts_return_type = "Promise<HeapAnalysisOutcome>")]
    pub fn run(&self) -> AsyncTask<AnalysisTask> {
        AsyncTask::new(AnalysisTask {
            files: self.files.clone(),
            options: self.options,
            progress: self.progress.clone(),
        })
    }

    /// Where the analysis is.
    #[napi]
    pub fn progress(&self) -> HeapAnalysisProgress {
        let p = &self.progress;
        let (read, total) = p.bytes();
        HeapAnalysisProgress {
            phase: Phase::from_number(p.phase.load(Ordering::Relaxed))
                .name()
                .to_string(),
            bytes_read: read as f64,
            total_bytes: total as f64,
        }
    }
}
