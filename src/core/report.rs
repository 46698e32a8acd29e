//! Leak reports: what a detector found, as plain data.

use crate::core::growth::Trend;
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
        /// Adds sampled in all, the whole the sites' counts are shares of.
        sampled_adds: u64,
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
        /// Creations sampled in all, the whole the sites' counts are shares of.
        sampled_creations: u64,
        /// For an object expected to be collected: how old it is, in ms.
        age_ms: Option<f64>,
        /// For an object expected to be collected: the time it was given, in ms.
        within_ms: Option<f64>,
    },
}

/// The straight line fitted over the window judged (Theil–Sen), from its
/// first to its last point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FittedLine {
    /// The fitted level where the window starts.
    pub start: Point,
    /// The fitted level at the window's last point.
    pub end: Point,
}

impl FittedLine {
    /// The line a trend was fitted along: from its fitted start, at its rate.
    pub fn of(trend: &Trend) -> FittedLine {
        let span = trend.latest.at_ms - trend.start.at_ms;
        FittedLine {
            start: trend.start,
            end: Point {
                at_ms: trend.latest.at_ms,
                value: trend.start.value + trend.growth_per_minute * span / 60_000.0,
            },
        }
    }
}

/// One finding as data: every sentence about it is written from these
/// fields, in one place (the facade's `describe`).
#[derive(Clone, Debug, PartialEq)]
pub struct LeakReport {
    /// What leaks.
    pub kind: LeakKind,
    /// The leak's identity: the same for every report of one leak
    /// (`heap`, `listeners:Server:request`, `objects:session`), so its
    /// reports, reminders and resolution can be told apart from another's.
    /// An overdue object's identity names its label and is never resolved.
    pub identity: String,
    /// How urgent it is.
    pub severity: Severity,
    /// The severity reported before, when this report raises it.
    pub escalated_from: Option<Severity>,
    /// The line fitted over the window judged.
    pub fit: Option<FittedLine>,
    /// For the heap: the heap limit the time to it is measured against.
    pub heap_limit: Option<f64>,
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
    /// What the report is about.
    pub subject: Subject,
}
