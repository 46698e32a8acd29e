//! Listener counts per emitter and event, and the verdict on their growth.
//!
//! The JavaScript hook tracks an emitter/event pair once its listener array
//! is long enough to matter, hands over the stacks of sampled adds, and
//! reports each tracked pair's count at every sample. A pair whose count
//! keeps rising is a leak whatever the count; one that is high but stable is not.

use std::collections::HashMap;

use crate::core::escalation::Escalation;
use crate::core::growth::{GrowthDetector, GrowthPolicy};
use crate::core::report::{FittedLine, LeakKind, LeakReport, Severity, Subject};
use crate::core::site_tally::SiteTally;
use crate::core::trend::Point;

/// Add sites named in a report at most.
const SITES_REPORTED: usize = 5;

struct Pair {
    emitter: String,
    event_name: String,
    detector: GrowthDetector,
    sites: SiteTally,
    count: f64,
    escalation: Escalation,
}

/// A tracked pair's latest count.
#[derive(Clone, Debug, PartialEq)]
pub struct PairCount {
    /// The emitter's description.
    pub emitter: String,
    /// The event name.
    pub event_name: String,
    /// Listeners at the latest sample.
    pub count: f64,
    /// Whether a leak is reported and ongoing.
    pub leaking: bool,
}

/// Listener counts of the tracked emitter/event pairs of one isolate.
pub struct ListenerRegistry {
    policy: GrowthPolicy,
    ignored: Vec<String>,
    pairs: HashMap<u32, Pair>,
    max_pairs: usize,
    /// Reported leaks of pairs untracked since the last `take_ended`.
    ended: Vec<String>,
}

impl ListenerRegistry {
    /// A registry judging growth with `policy`; stack frames under `ignored`
    /// path prefixes (leakguard's own) never count as add sites.
    pub fn new(policy: GrowthPolicy, ignored: Vec<String>, max_pairs: usize) -> Self {
        ListenerRegistry {
            policy,
            ignored,
            pairs: HashMap::new(),
            max_pairs,
            ended: Vec::new(),
        }
    }

    /// Pairs tracked now.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether no pair is tracked.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Starts tracking `pair`; false when the registry is full.
    pub fn track(&mut self, pair: u32, emitter: String, event_name: String) -> bool {
        if self.pairs.contains_key(&pair) {
            return true;
        }
        if self.pairs.len() >= self.max_pairs {
            return false;
        }
        self.pairs.insert(
            pair,
            Pair {
                emitter,
                event_name,
                detector: GrowthDetector::new(self.policy),
                sites: SiteTally::default(),
                count: 0.0,
                escalation: Escalation::default(),
            },
        );
        true
    }

    /// Stops tracking `pair` (its emitter died, or its listeners went away).
    pub fn untrack(&mut self, pair: u32) {
        if let Some(mut p) = self.pairs.remove(&pair) {
            // A reported leak whose emitter is gone is over.
            if p.escalation.settle(false) {
                self.ended
                    .push(format!("listeners:{}:{}", p.emitter, p.event_name));
            }
        }
    }

    /// Counts the add site in `stack` for `pair`.
    pub fn record_add(&mut self, pair: u32, stack: &str) {
        if let Some(p) = self.pairs.get_mut(&pair) {
            p.sites.record(stack, &self.ignored);
        }
    }

    /// Records the listener count of each pair at `at_ms` and returns the
    /// leaks found (new ones, and escalations).
    pub fn record_counts(&mut self, at_ms: f64, pairs: &[u32], counts: &[f64]) -> Vec<LeakReport> {
        let mut reports = Vec::new();
        for (id, &count) in pairs.iter().zip(counts) {
            let Some(pair) = self.pairs.get_mut(id) else {
                continue;
            };
            pair.count = count;
            let step = pair.detector.push(Point {
                at_ms,
                value: count,
            });
            let Some(due) = pair
                .escalation
                .on_step(step, |t| Severity::assess(t.growth_per_minute, count, None))
            else {
                continue;
            };
            let trend = &due.trend;
            let add_sites = pair.sites.top(SITES_REPORTED);
            reports.push(LeakReport {
                kind: LeakKind::Listeners,
                identity: format!("listeners:{}:{}", pair.emitter, pair.event_name),
                severity: due.severity,
                escalated_from: due.escalated_from,
                fit: Some(FittedLine::of(trend)),
                heap_limit: None,
                growth_per_minute: trend.growth_per_minute,
                current: count,
                detected_at_ms: at_ms,
                samples: trend.points.clone(),
                ms_until_limit: None,
                p_value: trend.p_value,
                subject: Subject::Listeners {
                    emitter: pair.emitter.clone(),
                    event_name: pair.event_name.clone(),
                    add_sites,
                    sampled_adds: pair.sites.total(),
                },
            });
        }
        reports
    }

    /// The identities of reported listener leaks that are over since the
    /// last call (`listeners:Emitter:event`).
    pub fn take_ended(&mut self) -> Vec<String> {
        let mut ended = std::mem::take(&mut self.ended);
        ended.extend(self.pairs.values_mut().filter_map(|p| {
            let leaking = p.detector.is_leaking();
            p.escalation
                .settle(leaking)
                .then(|| format!("listeners:{}:{}", p.emitter, p.event_name))
        }));
        ended
    }

    /// The `n` tracked pairs with the most listeners, most first.
    pub fn top(&self, n: usize) -> Vec<PairCount> {
        let mut all: Vec<PairCount> = self
            .pairs
            .values()
            .map(|p| PairCount {
                emitter: p.emitter.clone(),
                event_name: p.event_name.clone(),
                count: p.count,
                leaking: p.detector.is_leaking(),
            })
            .collect();
        all.sort_by(|a, b| {
            b.count
                .total_cmp(&a.count)
                .then_with(|| a.emitter.cmp(&b.emitter))
        });
        all.truncate(n);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> ListenerRegistry {
        let policy = GrowthPolicy::for_counts(24, 120, 5.0, false);
        ListenerRegistry::new(policy, vec!["/lg/".to_string()], 3)
    }

    const ADD: &str =
        "Error\n    at on (/lg/lib/listener-hook.js:9:9)\n    at handle (/app/server.js:42:10)";

    #[test]
    fn growing_count_is_reported_with_its_add_site() {
        let mut r = registry();
        assert!(r.track(1, "Server".into(), "request".into()));
        let mut reports = Vec::new();
        for i in 0..60 {
            r.record_add(1, ADD);
            reports.extend(r.record_counts(i as f64 * 250.0, &[1], &[10.0 + 5.0 * i as f64]));
        }
        assert_eq!(reports.len(), 1, "one report while the trend lasts");
        let report = &reports[0];
        assert_eq!(report.kind, LeakKind::Listeners);
        assert!((report.growth_per_minute - 1200.0).abs() < 1.0);
        let Subject::Listeners {
            emitter,
            event_name,
            add_sites,
            sampled_adds,
        } = &report.subject
        else {
            panic!("listener subject");
        };
        assert_eq!(
            (emitter.as_str(), event_name.as_str()),
            ("Server", "request")
        );
        assert_eq!(add_sites[0].site, "/app/server.js:42:10");
        assert_eq!(add_sites[0].count, 24);
        assert_eq!(*sampled_adds, 24);
        assert_eq!(report.identity, "listeners:Server:request");
        assert_eq!(report.current, 125.0);
    }

    #[test]
    fn stable_and_churning_counts_are_quiet() {
        let mut r = registry();
        r.track(1, "EventEmitter".into(), "stable".into());
        r.track(2, "EventEmitter".into(), "churn".into());
        for i in 0..500 {
            let churn = 10.0 + (i % 2) as f64;
            assert!(r
                .record_counts(i as f64 * 250.0, &[1, 2], &[100.0, churn])
                .is_empty());
        }
        let top = r.top(5);
        assert_eq!(top[0].count, 100.0);
        assert_eq!(top[0].event_name, "stable");
        assert!(!top[0].leaking);
    }

    #[test]
    fn tracking_is_bounded_and_untrack_forgets() {
        let mut r = registry();
        assert!(r.track(1, "A".into(), "x".into()));
        assert!(r.track(2, "B".into(), "x".into()));
        assert!(r.track(3, "C".into(), "x".into()));
        assert!(!r.track(4, "D".into(), "x".into()));
        r.untrack(2);
        assert_eq!(r.len(), 2);
        assert!(r.track(4, "D".into(), "x".into()));
        // Counts for unknown pairs, and length mismatches, are ignored.
        assert!(r.record_counts(0.0, &[9, 1], &[1.0]).is_empty());
        r.record_add(99, ADD);
    }
}
