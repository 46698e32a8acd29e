//! The reporting bookkeeping every detector shares: a new leak is reported
//! once, an ongoing one again only when its severity rises, and an ended one
//! may be reported afresh later.

use crate::core::growth::{Step, Trend};
use crate::core::report::Severity;

/// A report that is due.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportDue {
    /// The trend to report.
    pub trend: Trend,
    /// Its severity now.
    pub severity: Severity,
    /// The severity reported before, when this report escalates it.
    pub escalated_from: Option<Severity>,
}

impl ReportDue {
    /// Whether this report raises the severity of an earlier one.
    pub fn escalated(&self) -> bool {
        self.escalated_from.is_some()
    }
}

/// What one subject (a memory kind, an emitter/event pair, a label) has
/// reported so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Escalation {
    reported: Option<Severity>,
    rate: Option<f64>,
}

impl Escalation {
    /// The report `step` calls for, if any; `severity` rates a trend.
    pub fn on_step(
        &mut self,
        step: Step,
        severity: impl Fn(&Trend) -> Severity,
    ) -> Option<ReportDue> {
        match step {
            Step::Leak(trend) => Some(self.on_leak(trend, severity)),
            Step::Ongoing(trend) => {
                let now = severity(&trend);
                let last = self.reported?;
                self.rate = Some(trend.growth_per_minute);
                (now > last).then(|| {
                    self.reported = Some(now);
                    ReportDue {
                        trend,
                        severity: now,
                        escalated_from: Some(last),
                    }
                })
            }
            Step::Quiet | Step::Suspect | Step::Verify | Step::Ended => None,
        }
    }

    /// A new leak (a step's, or one a post-GC level confirmed): always due.
    pub fn on_leak(&mut self, trend: Trend, severity: impl Fn(&Trend) -> Severity) -> ReportDue {
        let now = severity(&trend);
        self.reported = Some(now);
        self.rate = Some(trend.growth_per_minute);
        ReportDue {
            trend,
            severity: now,
            escalated_from: None,
        }
    }

    /// Whether a reported leak is over now that its detector says
    /// `leaking`: true once, when it was reported and the detector no
    /// longer sees it leak; it may then be reported afresh.
    pub fn settle(&mut self, leaking: bool) -> bool {
        if self.reported.is_none() || leaking {
            return false;
        }
        self.reported = None;
        self.rate = None;
        true
    }

    /// The rate of the leak in progress, if one is.
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::trend::Point;

    fn trend(rate: f64) -> Trend {
        let p = Point {
            at_ms: 0.0,
            value: 1.0,
        };
        Trend {
            growth_per_minute: rate,
            z: 4.0,
            p_value: 0.0001,
            start: p,
            latest: p,
            points: vec![p],
        }
    }

    fn by_rate(t: &Trend) -> Severity {
        if t.growth_per_minute > 10.0 {
            Severity::High
        } else {
            Severity::Low
        }
    }

    #[test]
    fn a_leak_is_due_once_then_only_when_it_escalates() {
        let mut e = Escalation::default();
        assert!(
            e.on_step(Step::Ongoing(trend(1.0)), by_rate).is_none(),
            "nothing reported yet"
        );
        let first = e.on_step(Step::Leak(trend(1.0)), by_rate).unwrap();
        assert!(!first.escalated());
        assert!(e.on_step(Step::Ongoing(trend(2.0)), by_rate).is_none());
        let up = e.on_step(Step::Ongoing(trend(20.0)), by_rate).unwrap();
        assert_eq!(up.escalated_from, Some(Severity::Low));
        assert!(e.on_step(Step::Ongoing(trend(30.0)), by_rate).is_none());
        assert_eq!(e.rate(), Some(30.0));
        assert!(e.on_step(Step::Ended, by_rate).is_none());
        assert!(!e.settle(true), "still leaking");
        assert!(e.settle(false), "over once");
        assert!(!e.settle(false), "and only once");
        assert_eq!(e.rate(), None);
        assert!(
            e.on_step(Step::Leak(trend(1.0)), by_rate).is_some(),
            "reported afresh"
        );
    }
}
