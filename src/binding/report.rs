//! Converts core reports into the objects JavaScript receives.

use napi_derive::napi;

use crate::core::report::{FittedLine, LeakReport, Subject};
use crate::core::site_tally::SiteCount;
use crate::core::trend::Point;

/// A code site that made sampled calls (added listeners, created objects).
#[napi(object)]
pub struct SiteObject {
    /// `file:line:column` of the first frame outside Node and leakguard.
    pub site: String,
    /// Sampled calls from this site.
    pub count: u32,
    /// The first user frames of one stack from this site, top first.
    pub frames: Vec<String>,
}

impl From<SiteCount> for SiteObject {
    fn from(s: SiteCount) -> Self {
        SiteObject {
            site: s.site,
            count: s.count.min(u32::MAX as u64) as u32,
            frames: s.frames,
        }
    }
}

/// One point a verdict was drawn from.
#[napi(object)]
pub struct SamplePoint {
    /// Milliseconds since the epoch.
    pub at: f64,
    /// Bytes, or a count.
    pub value: f64,
}

impl From<&Point> for SamplePoint {
    fn from(p: &Point) -> Self {
        SamplePoint {
            at: p.at_ms,
            value: p.value,
        }
    }
}

/// The line fitted over the window judged, from its first point to its last.
#[napi(object)]
pub struct FittedLineObject {
    /// Where the window starts, in milliseconds since the epoch.
    pub start_at: f64,
    /// The fitted level there.
    pub start_value: f64,
    /// The window's last point, in milliseconds since the epoch.
    pub end_at: f64,
    /// The fitted level there.
    pub end_value: f64,
}

impl From<FittedLine> for FittedLineObject {
    fn from(f: FittedLine) -> Self {
        FittedLineObject {
            start_at: f.start.at_ms,
            start_value: f.start.value,
            end_at: f.end.at_ms,
            end_value: f.end.value,
        }
    }
}

/// A leak finding, as data (the facade writes its `message`).
#[napi(object)]
pub struct LeakReportObject {
    /// `'heap' | 'external' | 'native' | 'listeners' | 'objects'`.
    pub kind: String,
    /// The same for every report of one leak: `'heap'`, `'listeners:Server:request'`, `'objects:session'`.
    pub identity: String,
    /// `'low' | 'medium' | 'high'`.
    pub severity: String,
    /// The severity reported before, when this report raises it.
    pub escalated_from: Option<String>,
    /// True when this report raises the severity of an earlier one.
    pub escalated: bool,
    /// The line fitted over the window judged.
    pub trend: Option<FittedLineObject>,
    /// For the heap: the heap limit in bytes.
    pub heap_limit: Option<f64>,
    /// Growth in bytes (or items) per minute.
    pub growth_per_minute: f64,
    /// Latest level in bytes (or items).
    pub current: f64,
    /// When the report was made, in milliseconds since the epoch.
    pub detected_at: f64,
    /// The points judged.
    pub samples: Vec<SamplePoint>,
    /// For the heap: milliseconds until the heap limit at this rate.
    pub ms_until_limit: Option<f64>,
    /// One-sided p-value of the growth trend.
    pub p_value: f64,
    /// Listeners: the emitter's constructor name and short description.
    pub emitter: Option<String>,
    /// Listeners: the event name.
    pub event_name: Option<String>,
    /// Listeners: where the piling listeners are added, most frequent first.
    pub add_sites: Option<Vec<SiteObject>>,
    /// Listeners: adds sampled in all (the sites' counts are shares of it).
    pub sampled_adds: Option<f64>,
    /// Objects: the label they are tracked under.
    pub label: Option<String>,
    /// Objects: `'growing'` (the alive population grows) or `'overdue'` (one
    /// object outlived its `expectCollected` deadline).
    pub reason: Option<String>,
    /// Objects: tracked objects created under the label.
    pub created: Option<f64>,
    /// Objects: tracked objects collected.
    pub collected: Option<f64>,
    /// Objects: where they were created, most frequent first (sampled).
    pub creation_sites: Option<Vec<SiteObject>>,
    /// Objects: creations sampled in all (the sites' counts are shares of it).
    pub sampled_creations: Option<f64>,
    /// Objects, overdue: the object's age in milliseconds.
    pub age_ms: Option<f64>,
    /// Objects, overdue: the time it was given to be collected, in milliseconds.
    pub within_ms: Option<f64>,
}

impl From<LeakReport> for LeakReportObject {
    fn from(r: LeakReport) -> Self {
        let mut object = LeakReportObject {
            kind: r.kind.as_str().to_string(),
            identity: r.identity,
            severity: r.severity.as_str().to_string(),
            escalated: r.escalated_from.is_some(),
            escalated_from: r.escalated_from.map(|s| s.as_str().to_string()),
            trend: r.fit.map(FittedLineObject::from),
            heap_limit: r.heap_limit,
            growth_per_minute: r.growth_per_minute,
            current: r.current,
            detected_at: r.detected_at_ms,
            samples: r.samples.iter().map(SamplePoint::from).collect(),
            ms_until_limit: r.ms_until_limit,
            p_value: r.p_value,
            emitter: None,
            event_name: None,
            add_sites: None,
            sampled_adds: None,
            label: None,
            reason: None,
            created: None,
            collected: None,
            creation_sites: None,
            sampled_creations: None,
            age_ms: None,
            within_ms: None,
        };
        match r.subject {
            Subject::Memory => {}
            Subject::Listeners {
                emitter,
                event_name,
                add_sites,
                sampled_adds,
            } => {
                object.emitter = Some(emitter);
                object.event_name = Some(event_name);
                object.add_sites = Some(add_sites.into_iter().map(SiteObject::from).collect());
                object.sampled_adds = Some(sampled_adds as f64);
            }
            Subject::Objects {
                label,
                created,
                collected,
                creation_sites,
                sampled_creations,
                age_ms,
                within_ms,
            } => {
                object.label = Some(label);
                object.reason = Some(
                    if age_ms.is_some() {
                        "overdue"
                    } else {
                        "growing"
                    }
                    .to_string(),
                );
                object.created = Some(created);
                object.collected = Some(collected);
                object.creation_sites =
                    Some(creation_sites.into_iter().map(SiteObject::from).collect());
                object.sampled_creations = Some(sampled_creations as f64);
                object.age_ms = age_ms;
                object.within_ms = within_ms;
            }
        }
        object
    }
}

/// Converts a list of core reports.
pub fn to_objects(reports: Vec<LeakReport>) -> Vec<LeakReportObject> {
    reports.into_iter().map(LeakReportObject::from).collect()
}
