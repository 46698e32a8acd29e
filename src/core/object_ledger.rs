//! Per-label books of application-named objects: how many were created and
//! collected, where they were created, and whether the alive population keeps
//! growing. The JavaScript side counts into a shared counter array (two
//! numbers a label: created, collected) and hands it over at each sample.

use crate::core::escalation::{Escalation, ReportDue};
use crate::core::growth::{GrowthDetector, GrowthPolicy, Step};
use crate::core::report::{FittedLine, LeakKind, LeakReport, Severity, Subject};
use crate::core::site_tally::SiteTally;
use crate::core::trend::Point;

/// Creation sites named in a report at most.
const SITES_REPORTED: usize = 5;

struct Label {
    name: String,
    detector: GrowthDetector,
    sites: SiteTally,
    created: f64,
    collected: f64,
    escalation: Escalation,
}

impl Label {
    fn alive(&self) -> f64 {
        (self.created - self.collected).max(0.0)
    }
}

/// One label's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelCount {
    /// The label.
    pub label: String,
    /// Tracked objects still alive (created minus collected).
    pub alive: f64,
    /// Tracked objects created.
    pub created: f64,
    /// Tracked objects collected.
    pub collected: f64,
    /// Whether a leak is reported and ongoing.
    pub leaking: bool,
}

/// What a sample of the counters led to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LedgerOutcome {
    /// New and escalated reports.
    pub reports: Vec<LeakReport>,
    /// True when a label's suspected growth waits for a full GC (and its
    /// finalizers) to confirm it.
    pub wants_full_gc: bool,
}

/// The books of every label of one guard.
pub struct ObjectLedger {
    policy: GrowthPolicy,
    ignored: Vec<String>,
    labels: Vec<Label>,
}

impl ObjectLedger {
    /// A ledger judging growth with `policy`; frames under `ignored` path
    /// prefixes (leakguard's own) are never creation sites.
    pub fn new(policy: GrowthPolicy, ignored: Vec<String>) -> Self {
        ObjectLedger {
            policy,
            ignored,
            labels: Vec::new(),
        }
    }

    /// Adds a label; its id is its index, in the order labels are defined.
    pub fn define_label(&mut self, name: String) -> u32 {
        self.labels.push(Label {
            name,
            detector: GrowthDetector::new(self.policy),
            sites: SiteTally::default(),
            created: 0.0,
            collected: 0.0,
            escalation: Escalation::default(),
        });
        (self.labels.len() - 1) as u32
    }

    /// Counts the creation site in `stack` for label `id`.
    pub fn record_creation(&mut self, id: u32, stack: &str) {
        if let Some(label) = self.labels.get_mut(id as usize) {
            label.sites.record(stack, &self.ignored);
        }
    }

    /// Reads the counters (`[created0, collected0, created1, ...]`) at `at_ms`.
    /// With `after_full_gc`, the counts follow a full GC whose finalizers have
    /// run: they settle suspected growth.
    pub fn record_counts(
        &mut self,
        at_ms: f64,
        counters: &[f64],
        after_full_gc: bool,
    ) -> LedgerOutcome {
        let mut outcome = LedgerOutcome::default();
        for (i, label) in self.labels.iter_mut().enumerate() {
            let (Some(&created), Some(&collected)) = (counters.get(2 * i), counters.get(2 * i + 1))
            else {
                continue;
            };
            if !created.is_finite() || !collected.is_finite() {
                continue;
            }
            label.created = created;
            label.collected = collected;
            let point = Point {
                at_ms,
                value: label.alive(),
            };
            let severity = |t: &crate::core::growth::Trend| {
                Severity::assess(t.growth_per_minute, point.value, None)
            };
            let due = if after_full_gc {
                let Some(trend) = label.detector.push_live(point) else {
                    continue;
                };
                Some(label.escalation.on_leak(trend, severity))
            } else {
                let step = label.detector.push(point);
                if matches!(step, Step::Suspect | Step::Verify) {
                    outcome.wants_full_gc = true;
                }
                label.escalation.on_step(step, severity)
            };
            if let Some(due) = due {
                outcome.reports.push(growth_report(label, &due, at_ms));
            }
        }
        outcome
    }

    /// A report for one object of label `id` expected to be collected within
    /// `within_ms` but still alive `age_ms` after it was handed over, across
    /// at least two full GCs. `stack` is where it was handed over (may be empty).
    pub fn overdue_report(
        &self,
        id: u32,
        age_ms: f64,
        within_ms: f64,
        stack: &str,
        at_ms: f64,
    ) -> Option<LeakReport> {
        let label = self.labels.get(id as usize)?;
        let mut sites = SiteTally::default();
        sites.record(stack, &self.ignored);
        Some(LeakReport {
            kind: LeakKind::Objects,
            identity: format!("objects:{}:overdue", label.name),
            severity: Severity::Medium,
            escalated_from: None,
            fit: None,
            heap_limit: None,
            growth_per_minute: 0.0,
            current: label.alive(),
            detected_at_ms: at_ms,
            samples: Vec::new(),
            ms_until_limit: None,
            p_value: f64::NAN,
            subject: Subject::Objects {
                label: label.name.clone(),
                created: label.created,
                collected: label.collected,
                creation_sites: sites.top(1),
                sampled_creations: sites.total(),
                age_ms: Some(age_ms),
                within_ms: Some(within_ms),
            },
        })
    }

    /// The identities of reported object growth that is over since the last
    /// call (`objects:label`).
    pub fn take_ended(&mut self) -> Vec<String> {
        self.labels
            .iter_mut()
            .filter_map(|l| {
                let leaking = l.detector.is_leaking();
                l.escalation
                    .settle(leaking)
                    .then(|| format!("objects:{}", l.name))
            })
            .collect()
    }

    /// Every label's figures, most alive first.
    pub fn labels(&self) -> Vec<LabelCount> {
        let mut all: Vec<LabelCount> = self
            .labels
            .iter()
            .map(|l| LabelCount {
                label: l.name.clone(),
                alive: l.alive(),
                created: l.created,
                collected: l.collected,
                leaking: l.detector.is_leaking(),
            })
            .collect();
        all.sort_by(|a, b| {
            b.alive
                .total_cmp(&a.alive)
                .then_with(|| a.label.cmp(&b.label))
        });
        all
    }
}

fn growth_report(label: &Label, due: &ReportDue, at_ms: f64) -> LeakReport {
    let trend = &due.trend;
    let alive = label.alive();
    let sites = label.sites.top(SITES_REPORTED);
    LeakReport {
        kind: LeakKind::Objects,
        identity: format!("objects:{}", label.name),
        severity: due.severity,
        escalated_from: due.escalated_from,
        fit: Some(FittedLine::of(trend)),
        heap_limit: None,
        growth_per_minute: trend.growth_per_minute,
        current: alive,
        detected_at_ms: at_ms,
        samples: trend.points.clone(),
        ms_until_limit: None,
        p_value: trend.p_value,
        subject: Subject::Objects {
            label: label.name.clone(),
            created: label.created,
            collected: label.collected,
            creation_sites: sites,
            sampled_creations: label.sites.total(),
            age_ms: None,
            within_ms: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> ObjectLedger {
        let policy = GrowthPolicy::for_counts(24, 120, 10.0, true);
        ObjectLedger::new(policy, vec!["/lg/".into()])
    }

    const CREATED_AT: &str =
        "Error\n    at track (/lg/lib/object-watch.js:1:1)\n    at handle (/app/server.js:7:3)";

    #[test]
    fn a_label_whose_alive_count_grows_and_survives_gc_is_reported() {
        let mut l = ledger();
        let leaky = l.define_label("request".into());
        assert_eq!(l.define_label("session".into()), 1);
        l.record_creation(leaky, CREATED_AT);
        let mut reports = Vec::new();
        for i in 0..200 {
            let t = i as f64 * 250.0;
            // request: 10 created per sample, 5 collected; session: steady.
            let counters = [
                10.0 * i as f64,
                5.0 * i as f64,
                100.0 * i as f64,
                100.0 * i as f64 - 50.0,
            ];
            let outcome = l.record_counts(t, &counters, false);
            reports.extend(outcome.reports);
            if outcome.wants_full_gc {
                reports.extend(l.record_counts(t + 1.0, &counters, true).reports);
            }
        }
        assert_eq!(reports.len(), 1, "{reports:?}");
        let r = &reports[0];
        assert_eq!(r.kind, LeakKind::Objects);
        assert!(
            (r.growth_per_minute - 1200.0).abs() < 10.0,
            "{}",
            r.growth_per_minute
        );
        let Subject::Objects {
            label,
            creation_sites,
            age_ms,
            ..
        } = &r.subject
        else {
            panic!()
        };
        assert_eq!(label, "request");
        assert_eq!(creation_sites[0].site, "/app/server.js:7:3");
        assert_eq!(*age_ms, None);
        assert_eq!(r.identity, "objects:request");
        let labels = l.labels();
        assert_eq!(labels[0].label, "request");
        assert!(labels[0].leaking);
        assert!(!labels[1].leaking);
    }

    #[test]
    fn growth_the_finalizers_take_back_is_not_reported() {
        let mut l = ledger();
        l.define_label("job".into());
        let mut collected = 0.0;
        for i in 0..400 {
            let t = i as f64 * 250.0;
            let created = 10.0 * i as f64;
            let outcome = l.record_counts(t, &[created, collected], false);
            assert!(outcome.reports.is_empty());
            if outcome.wants_full_gc || i % 100 == 99 {
                collected = created - 20.0;
                assert!(l
                    .record_counts(t + 1.0, &[created, collected], true)
                    .reports
                    .is_empty());
            }
        }
    }

    #[test]
    fn overdue_objects_name_their_creation_site() {
        let mut l = ledger();
        let id = l.define_label("socket".into());
        let r = l
            .overdue_report(id, 3200.0, 1000.0, CREATED_AT, 5.0)
            .unwrap();
        let Subject::Objects {
            creation_sites,
            age_ms,
            within_ms,
            ..
        } = &r.subject
        else {
            panic!()
        };
        assert_eq!(creation_sites[0].site, "/app/server.js:7:3");
        assert_eq!((*age_ms, *within_ms), (Some(3200.0), Some(1000.0)));
        assert_eq!(r.identity, "objects:socket:overdue");
        assert!(l.overdue_report(9, 1.0, 1.0, "", 0.0).is_none());
        let r = l.overdue_report(id, 1.0, 1.0, "garbage", 0.0).unwrap();
        let Subject::Objects { creation_sites, .. } = &r.subject else {
            panic!()
        };
        assert!(
            creation_sites.is_empty(),
            "no site from a stack with no frame"
        );
    }

    #[test]
    fn short_or_garbage_counters_are_ignored() {
        let mut l = ledger();
        l.define_label("a".into());
        l.define_label("b".into());
        let outcome = l.record_counts(0.0, &[f64::NAN, 1.0, 3.0], false);
        assert!(outcome.reports.is_empty());
        assert_eq!(l.labels().iter().map(|x| x.alive).sum::<f64>(), 0.0);
    }
}
