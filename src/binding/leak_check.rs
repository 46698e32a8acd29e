//! `judgeLeakCheck`: the verdict of a leak check on its measured series.

use napi::{Error, Result, Status};
use napi_derive::napi;

use crate::core::leak_check::{
    clearly_clean, judge, round_outcome, CheckKind, MetricVerdict, RoundOutcome,
};
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

/// What one measure's rounds say.
#[napi(object)]
pub struct CheckVerdict {
    /// The measure.
    pub kind: String,
    /// `'clean'`, `'leak'` (confirmed by a second round) or `'measure-again'`.
    pub outcome: String,
    /// Growth per call in the latest round.
    pub per_call: f64,
    /// Batch-to-batch noise per call in the latest round.
    pub noise_per_call: f64,
    /// Calls measured by the latest round.
    pub calls: f64,
}

/// Judges each measure over the rounds measured so far (oldest first; each
/// round one series per measure, in the same order).
#[napi]
pub fn judge_leak_rounds(rounds: Vec<Vec<CheckSeries>>) -> Result<Vec<CheckVerdict>> {
    let mut judged: Vec<(String, Vec<MetricVerdict>, f64)> = Vec::new();
    for round in rounds {
        for (i, s) in round.into_iter().enumerate() {
            let kind = parse_kind(&s.kind)?;
            let floor = s.floor_per_call.unwrap_or_else(|| kind.default_floor());
            let calls = s.calls.last().copied().unwrap_or(0.0);
            let verdict = judge(kind, &s.calls, &s.values, floor);
            match judged.get_mut(i) {
                Some(entry) if entry.0 == s.kind => {
                    entry.1.push(verdict);
                    entry.2 = calls;
                }
                Some(_) => {
                    return Err(Error::new(
                        Status::InvalidArg,
                        "every round must list the same measures in the same order".to_string(),
                    ))
                }
                None => judged.push((s.kind, vec![verdict], calls)),
            }
        }
    }
    Ok(judged
        .into_iter()
        .map(|(kind, verdicts, calls)| {
            let last = &verdicts[verdicts.len() - 1];
            CheckVerdict {
                outcome: match round_outcome(&verdicts) {
                    RoundOutcome::Clean => "clean",
                    RoundOutcome::Leak => "leak",
                    RoundOutcome::MeasureAgain => "measure-again",
                }
                .to_string(),
                per_call: last.per_call,
                noise_per_call: last.noise_per_call,
                calls,
                kind,
            }
        })
        .collect())
}

/// Whether a round's readings so far show every measure clean beyond doubt
/// (see `clearly_clean` in the core); `calls_before` is the calls made
/// before the round (warm-up and earlier rounds).
#[napi]
pub fn round_clearly_clean(series: Vec<CheckSeries>, calls_before: f64) -> Result<bool> {
    let mut clean = true;
    for s in &series {
        let kind = parse_kind(&s.kind)?;
        let floor = s.floor_per_call.unwrap_or_else(|| kind.default_floor());
        clean = clean && clearly_clean(kind, &s.calls, &s.values, floor, calls_before);
    }
    Ok(clean)
}

fn parse_kind(name: &str) -> Result<CheckKind> {
    CheckKind::parse(name)
        .ok_or_else(|| Error::new(Status::InvalidArg, format!("unknown check kind '{name}'")))
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
