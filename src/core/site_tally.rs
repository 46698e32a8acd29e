//! Counts the code sites (file:line:column) that made a sampled call, such as
//! adding a listener or creating a tracked object.

use std::collections::HashMap;

use crate::core::stack_trace::{call_site, user_frames};

/// Frames kept per site, for context.
const FRAMES_KEPT: usize = 5;

/// One site and how often it was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteCount {
    /// `file:line:column` of the first user frame.
    pub site: String,
    /// The user frames of the first stack seen there, top first.
    pub frames: Vec<String>,
    /// Sampled calls from this site.
    pub count: u64,
}

/// Site counts, bounded in the number of distinct sites.
#[derive(Clone, Debug, Default)]
pub struct SiteTally {
    sites: HashMap<String, (Vec<String>, u64)>,
    /// Sampled calls whose site could not be kept (too many sites) or read.
    pub other: u64,
}

impl SiteTally {
    /// Distinct sites kept at most.
    pub const MAX_SITES: usize = 64;

    /// Counts the call that produced `stack`; frames under `ignored` prefixes
    /// (leakguard's own) and Node's are skipped.
    pub fn record(&mut self, stack: &str, ignored: &[String]) {
        let frames = user_frames(stack, ignored);
        let Some(site) = call_site(&frames).and_then(|f| f.location.clone()) else {
            self.other += 1;
            return;
        };
        if let Some(entry) = self.sites.get_mut(&site) {
            entry.1 += 1;
        } else if self.sites.len() < Self::MAX_SITES {
            let kept = frames
                .iter()
                .take(FRAMES_KEPT)
                .map(|f| f.text.clone())
                .collect();
            self.sites.insert(site, (kept, 1));
        } else {
            self.other += 1;
        }
    }

    /// Sampled calls counted, all sites together.
    pub fn total(&self) -> u64 {
        self.sites.values().map(|(_, n)| n).sum::<u64>() + self.other
    }

    /// The `n` most frequent sites, most frequent first.
    pub fn top(&self, n: usize) -> Vec<SiteCount> {
        let mut sites: Vec<SiteCount> = self
            .sites
            .iter()
            .map(|(site, (frames, count))| SiteCount {
                site: site.clone(),
                frames: frames.clone(),
                count: *count,
            })
            .collect();
        sites.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.site.cmp(&b.site)));
        sites.truncate(n);
        sites
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(site: &str) -> String {
        format!("Error\n    at hook (/lg/lib/hook.js:1:1)\n    at handler ({site})\n    at main (/app/main.js:1:1)")
    }

    #[test]
    fn counts_sites_most_frequent_first() {
        let ignored = vec!["/lg/".to_string()];
        let mut tally = SiteTally::default();
        for _ in 0..3 {
            tally.record(&stack("/app/a.js:10:5"), &ignored);
        }
        tally.record(&stack("/app/b.js:20:7"), &ignored);
        tally.record("no frames at all", &ignored);
        let top = tally.top(5);
        assert_eq!(top.len(), 2);
        assert_eq!(top[0].site, "/app/a.js:10:5");
        assert_eq!(top[0].count, 3);
        assert_eq!(
            top[0].frames,
            ["handler (/app/a.js:10:5)", "main (/app/main.js:1:1)"]
        );
        assert_eq!(tally.other, 1);
        assert_eq!(tally.total(), 5);
    }

    #[test]
    fn distinct_sites_are_bounded() {
        let mut tally = SiteTally::default();
        let ignored = vec!["/lg/".to_string()];
        for i in 0..200 {
            tally.record(&stack(&format!("/app/gen.js:{i}:1")), &ignored);
        }
        assert_eq!(tally.top(1000).len(), SiteTally::MAX_SITES);
        assert_eq!(tally.other, 200 - SiteTally::MAX_SITES as u64);
    }
}
