//! `judgeLeakCheck`: the verdict of a leak check on its measured series.

use napi::{Error, Result, Status};
use napi_derive::napi;

use crate::core::leak_check::{describe, judge, CheckKind};
use crate::core::site_tally::SiteTally;

/// One measure's readings at the batch boundaries.
#[napi(object)]
pub struct CheckSeries {
    /// `'heap' | 'external' | 'native' | 'listeners' | 'handles' | 'objects'`.
    pub kind: String,
    /// Calls made in all at each reading.
    pub calls: Vec<f64>,
    /// The readings.
    pub values: Vec<f64>,
    /// Growth per call below which it never counts; the kind's default when absent.
    pub floor_per_call: Option<f64>,
}

/// The verdict on one measure.
#[napi(object)]
pub struct CheckVerdict {
    /// The measure.
    pub kind: String,
    /// Whether it grew with the calls.
    pub leaked: bool,
    /// Growth per call.
    pub per_call: f64,
    /// Batch-to-batch noise per call.
    pub noise_per_call: f64,
    /// `"heap grew ~812 bytes per call over 3,000 calls"`.
    pub description: String,
    /// The slope passed the floor but the steps could not confirm it.
    pub undecided: bool,
}

/// Judges each measured series of a leak check.
#[napi]
pub fn judge_leak_check(series: Vec<CheckSeries>, total_calls: f64) -> Result<Vec<CheckVerdict>> {
    series
        .into_iter()
        .map(|s| {
            let kind = CheckKind::parse(&s.kind).ok_or_else(|| {
                Error::new(
                    Status::InvalidArg,
                    format!("unknown check kind '{}'", s.kind),
                )
            })?;
            let floor = s.floor_per_call.unwrap_or_else(|| kind.default_floor());
            let verdict = judge(kind, &s.calls, &s.values, floor);
            Ok(CheckVerdict {
                kind: s.kind,
                leaked: verdict.leaked,
                per_call: verdict.per_call,
                noise_per_call: verdict.noise_per_call,
                description: describe(&verdict, total_calls),
                undecided: verdict.undecided,
            })
        })
        .collect()
}

/// The most frequent call site (`file:line:column` of the first frame outside
/// Node and the `ignored` path prefixes) among `stacks`.
#[napi]
pub fn top_call_site(stacks: Vec<String>, ignored: Vec<String>) -> Option<String> {
    let mut tally = SiteTally::default();
    for stack in &stacks {
        tally.record(stack, &ignored);
    }
    tally.top(1).into_iter().next().map(|s| s.site)
}
