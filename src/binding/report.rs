//! Converts core reports into the objects JavaScript receives.

use napi_derive::napi;

use crate::core::report::{LeakReport, Subject};
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

/// A leak finding.
#[napi(object)]
pub struct LeakReportObject {
    /// `'heap' | 'external' | 'native' | 'listeners' | 'objects'`.
    pub kind: String,
    /// One line a person can act on.
    pub message: String,
    /// `'low' | 'medium' | 'high'`.
    pub severity: String,
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
    /// True when this raises the severity of an earlier report.
    pub escalated: bool,
    /// Listeners: the emitter's constructor name and short description.
    pub emitter: Option<String>,
    /// Listeners: the event name.
    pub event_name: Option<String>,
    /// Listeners: where the piling listeners are added, most frequent first.
    pub add_sites: Option<Vec<SiteObject>>,
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
    /// Objects, overdue: the object's age in milliseconds.
    pub age_ms: Option<f64>,
}

impl From<LeakReport> for LeakReportObject {
    fn from(r: LeakReport) -> Self {
        let mut object = LeakReportObject {
            kind: r.kind.as_str().to_string(),
            message: r.message,
            severity: r.severity.as_str().to_string(),
            growth_per_minute: r.growth_per_minute,
            current: r.current,
            detected_at: r.detected_at_ms,
            samples: r.samples.iter().map(SamplePoint::from).collect(),
            ms_until_limit: r.ms_until_limit,
            p_value: r.p_value,
            escalated: r.escalated,
            emitter: None,
            event_name: None,
            add_sites: None,
            label: None,
            reason: None,
            created: None,
            collected: None,
            creation_sites: None,
            age_ms: None,
        };
        match r.subject {
            Subject::Memory => {}
            Subject::Listeners {
                emitter,
                event_name,
                add_sites,
            } => {
                object.emitter = Some(emitter);
                object.event_name = Some(event_name);
                object.add_sites = Some(add_sites.into_iter().map(SiteObject::from).collect());
            }
            Subject::Objects {
                label,
                created,
                collected,
                creation_sites,
                age_ms,
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
                object.age_ms = age_ms;
            }
        }
        object
    }
}

/// Converts a list of core reports.
pub fn to_objects(reports: Vec<LeakReport>) -> Vec<LeakReportObject> {
    reports.into_iter().map(LeakReportObject::from).collect()
}
