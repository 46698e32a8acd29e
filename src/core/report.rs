//! Leak reports: what a detector found, as plain data.

use crate::core::site_tally::SiteCount;
use crate::core::trend::Point;

/// Where the leaking memory or the piling objects live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LeakKind {
    /// The V8 JavaScript heap.
    Heap,
    /// Memory V8 counts as external: Buffers, ArrayBuffers, native objects that report their size.
    External,
    /// Memory held by malloc beyond the ArrayBuffer memory V8 already counts.
    Native,
    /// Event listeners piling up on one emitter and event.
    Listeners,
    /// Application-named objects that stay alive.
    Objects,
}

impl LeakKind {
    /// The memory kinds, in the order the monitor keeps them.
    pub const MEMORY: [LeakKind; 3] = [LeakKind::Heap, LeakKind::External, LeakKind::Native];

    /// The name used in reports (`'heap'`, `'external'`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LeakKind::Heap => "heap",
            LeakKind::External => "external",
            LeakKind::Native => "native",
            LeakKind::Listeners => "listeners",
            LeakKind::Objects => "objects",
        }
    }
}

/// How urgent a report is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A steady leak with no limit in sight within a day.
    Low,
    /// Grows by a quarter an hour, or reaches the heap limit within a day.
    Medium,
    /// Doubles within an hour, or reaches the heap limit within an hour.
    High,
}

impl Severity {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// `" (escalated from low to high)"`, the suffix of an escalated report's message.
    pub fn escalation_suffix(previous: Severity, now: Severity) -> String {
        format!(
            " (escalated from {} to {})",
            previous.as_str(),
            now.as_str()
        )
    }

    /// Severity from a growth rate, the current level and, where the kind has
    /// one, the time left until its limit.
    pub fn assess(growth_per_minute: f64, current: f64, ms_until_limit: Option<f64>) -> Severity {
        const HOUR_MS: f64 = 3_600_000.0;
        let per_hour = if current > 0.0 {
            growth_per_minute * 60.0 / current
        } else {
            f64::INFINITY
        };
        let until = ms_until_limit.unwrap_or(f64::INFINITY);
        if until < HOUR_MS || per_hour >= 1.0 {
            Severity::High
        } else if until < 24.0 * HOUR_MS || per_hour >= 0.25 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }
}

/// What a report is about, beyond the figures every report has.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// A memory kind: the figures say it all.
    Memory,
    /// Listeners piling up on one emitter and event.
    Listeners {
        /// The emitter's constructor name, and a short description where cheap.
        emitter: String,
        /// The event name.
        event_name: String,
        /// Where the listeners are added, most frequent first (sampled adds).
        add_sites: Vec<SiteCount>,
    },
    /// Application-named objects that stay alive.
    Objects {
        /// The label the application tracks them under.
        label: String,
        /// Tracked objects created under the label.
        created: f64,
        /// Tracked objects collected.
        collected: f64,
        /// Where they were created, most frequent first (sampled creations).
        creation_sites: Vec<SiteCount>,
        /// For an object expected to be collected: how old it is, in ms.
        age_ms: Option<f64>,
    },
}

/// One finding, ready to hand to the application.
#[derive(Clone, Debug, PartialEq)]
pub struct LeakReport {
    /// What leaks.
    pub kind: LeakKind,
    /// One line a person can act on.
    pub message: String,
    /// How urgent it is.
    pub severity: Severity,
    /// Growth rate judged, in bytes (or items) per minute.
    pub growth_per_minute: f64,
    /// The latest level, in bytes (or items).
    pub current: f64,
    /// When the report was made, in milliseconds since the epoch.
    pub detected_at_ms: f64,
    /// The points the verdict was drawn from (at most the detector's window).
    pub samples: Vec<Point>,
    /// For the heap: milliseconds until the heap limit at this rate.
    pub ms_until_limit: Option<f64>,
    /// One-sided Mann–Kendall p-value of the trend.
    pub p_value: f64,
    /// True when this report raises the severity of an earlier one on the same trend.
    pub escalated: bool,
    /// What the report is about.
    pub subject: Subject,
}
