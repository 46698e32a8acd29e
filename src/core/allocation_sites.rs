//! Allocation sites of heap growth, from V8's sampling heap profiler.
//!
//! The profiler samples allocations (one per N bytes, Poisson) with their JS
//! stack and keeps the sampled objects that are still alive. Sampling is
//! restarted at the start of each window, so a profile holds what was
//! allocated since then and is still alive: its difference from the (empty)
//! profile at the window's start. This module turns the profile's tree into
//! stacks, attributes each to the nearest frame of the application's own
//! code, and ranks the sites by the live bytes they added.

use crate::core::frame_class::{classify_frame, FrameClass};
use std::collections::HashMap;

/// One node of a sampled allocation profile, in the tree V8 returns: a
/// frame, its parent, and the live sampled bytes it allocated itself.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileNode {
    /// Index of the parent node (the caller); `None` for the root.
    pub parent: Option<usize>,
    /// The function's name; empty for anonymous functions.
    pub function_name: String,
    /// The script's URL or path; empty for V8's own pseudo-frames.
    pub url: String,
    /// Line, 1-based (0: unknown).
    pub line: u32,
    /// Column, 1-based (0: unknown).
    pub column: u32,
    /// Live bytes of the sampled objects this frame allocated itself.
    pub self_size: f64,
}

impl ProfileNode {
    /// `file:line:column`; a pseudo-frame of V8's (no script) by its name.
    fn location(&self) -> String {
        if self.url.is_empty() {
            self.function_name.clone()
        } else {
            format!("{}:{}:{}", self.url, self.line, self.column)
        }
    }

    /// `name (file:line:column)`, as a stack frame is printed.
    fn frame(&self) -> String {
        let name = if self.function_name.is_empty() {
            "<anonymous>"
        } else {
            &self.function_name
        };
        if self.url.is_empty() {
            name.to_string()
        } else {
            format!("{name} ({})", self.location())
        }
    }

    /// Whose code the frame is in ([`classify_frame`]).
    fn class(&self, ignored: &[String]) -> FrameClass {
        classify_frame(&self.url, ignored)
    }
}

/// Frames kept with a site (from the allocating frame up).
pub const SITE_FRAMES: usize = 6;

/// One place in the code the growth was allocated at.
#[derive(Clone, Debug, PartialEq)]
pub struct AllocationSite {
    /// `file:line:column` of the nearest application frame (the allocating
    /// frame itself when no application frame is on the stack).
    pub site: String,
    /// That frame's function name (`<anonymous>` when it has none).
    pub function_name: String,
    /// Live bytes allocated there since the window began (sampled estimate).
    pub live_bytes: f64,
    /// Those bytes a minute over the window.
    pub growth_per_minute: f64,
    /// Share of the live bytes added over the window, across every site.
    pub share: f64,
    /// The stack of the largest contribution, allocating frame first.
    pub frames: Vec<String>,
}

/// The `top` sites by live bytes added over a window of `window_ms`.
/// What an ignored frame (leakguard's own code) allocated, or called into
/// before any application frame, is not the application's growth and is
/// left out. Nodes whose parent index is out of range are treated as
/// roots; a cycle in the parents stops the walk. Sites that added nothing
/// are left out.
pub fn rank_sites(
    nodes: &[ProfileNode],
    window_ms: f64,
    ignored: &[String],
    top: usize,
) -> Vec<AllocationSite> {
    struct Tally {
        node: usize,
        bytes: f64,
        largest: f64,
        largest_node: usize,
    }
    // Keyed by the printed frame: one function at one place is one site,
    // however many call paths reach it.
    let mut by_site: HashMap<String, Tally> = HashMap::new();
    let mut total = 0.0;
    for (i, node) in nodes.iter().enumerate() {
        if !(node.self_size.is_finite() && node.self_size > 0.0) {
            continue;
        }
        let site = match app_frame(nodes, i, ignored) {
            Attribution::App(site) => site,
            Attribution::NoApp => i,
            Attribution::Ignored => continue,
        };
        total += node.self_size;
        let tally = by_site.entry(nodes[site].frame()).or_insert(Tally {
            node: site,
            bytes: 0.0,
            largest: 0.0,
            largest_node: i,
        });
        tally.bytes += node.self_size;
        if node.self_size > tally.largest {
            tally.largest = node.self_size;
            tally.largest_node = i;
        }
    }
    let mut tallies: Vec<Tally> = by_site.into_values().collect();
    tallies.sort_by(|a, b| b.bytes.total_cmp(&a.bytes).then(a.node.cmp(&b.node)));
    let minutes = window_ms / 60_000.0;
    tallies
        .into_iter()
        .take(top)
        .map(|t| {
            let node = &nodes[t.node];
            AllocationSite {
                site: node.location(),
                function_name: if node.function_name.is_empty() {
                    "<anonymous>".to_string()
                } else {
                    node.function_name.clone()
                },
                live_bytes: t.bytes,
                growth_per_minute: if minutes > 0.0 {
                    t.bytes / minutes
                } else {
                    0.0
                },
                share: if total > 0.0 { t.bytes / total } else { 0.0 },
                frames: stack(nodes, t.largest_node),
            }
        })
        .collect()
}

/// Whose an allocation is.
enum Attribution {
    /// The nearest application frame (a node index).
    App(usize),
    /// No application frame on the stack.
    NoApp,
    /// An ignored frame came first: leakguard's own.
    Ignored,
}

/// The nearest application frame from node `i` up to the root.
fn app_frame(nodes: &[ProfileNode], i: usize, ignored: &[String]) -> Attribution {
    let mut at = Some(i);
    for _ in 0..nodes.len() {
        let Some(node) = at.and_then(|index| nodes.get(index)) else {
            break;
        };
        if node.class(ignored) == FrameClass::Own {
            return Attribution::Ignored;
        }
        if node.class(ignored) == FrameClass::App {
            return at.map_or(Attribution::NoApp, Attribution::App);
        }
        at = node.parent;
    }
    Attribution::NoApp
}

/// Up to [`SITE_FRAMES`] printed frames from node `i` up, skipping V8's
/// pseudo-frames (no script).
fn stack(nodes: &[ProfileNode], i: usize) -> Vec<String> {
    let mut frames = Vec::new();
    let mut at = Some(i);
    for _ in 0..nodes.len() {
        let Some(node) = at.and_then(|index| nodes.get(index)) else {
            break;
        };
        if !node.url.is_empty() {
            frames.push(node.frame());
            if frames.len() == SITE_FRAMES {
                break;
            }
        }
        at = node.parent;
    }
    frames
}

/// Frames kept in a folded stack, innermost first kept.
pub const STACK_DEPTH: usize = 32;

/// One stack of the growth, for a flame graph: its frames from the
/// outermost to the allocating one, and the live bytes allocated there.
#[derive(Clone, Debug, PartialEq)]
pub struct FoldedStack {
    /// Printed frames, outermost first; `…` first when deeper frames were cut.
    pub frames: Vec<String>,
    /// Live sampled bytes allocated at the end of this stack.
    pub bytes: f64,
}

/// The stacks of what was allocated and is still alive, merged where they
/// print the same, the `top` heaviest kept and the rest summed into one
/// `(other stacks)` entry. V8's pseudo-frames are left out, and so is what
/// leakguard's own frames allocated, as in [`rank_sites`].
pub fn fold_stacks(nodes: &[ProfileNode], ignored: &[String], top: usize) -> Vec<FoldedStack> {
    let mut by_stack: HashMap<Vec<String>, f64> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if !(node.self_size.is_finite() && node.self_size > 0.0) {
            continue;
        }
        if matches!(app_frame(nodes, i, ignored), Attribution::Ignored) {
            continue;
        }
        let mut frames = Vec::new();
        let mut at = Some(i);
        let mut cut = false;
        for _ in 0..nodes.len() {
            let Some(n) = at.and_then(|index| nodes.get(index)) else {
                break;
            };
            if !n.url.is_empty() {
                if frames.len() == STACK_DEPTH {
                    cut = true;
                    break;
                }
                frames.push(n.frame());
            }
            at = n.parent;
        }
        if frames.is_empty() {
            frames.push("(V8)".to_string());
        }
        if cut {
            frames.push("…".to_string());
        }
        frames.reverse();
        *by_stack.entry(frames).or_insert(0.0) += node.self_size;
    }
    let mut stacks: Vec<FoldedStack> = by_stack
        .into_iter()
        .map(|(frames, bytes)| FoldedStack { frames, bytes })
        .collect();
    stacks.sort_by(|a, b| b.bytes.total_cmp(&a.bytes).then(a.frames.cmp(&b.frames)));
    if stacks.len() > top {
        let rest: f64 = stacks[top..].iter().map(|s| s.bytes).sum();
        stacks.truncate(top);
        stacks.push(FoldedStack {
            frames: vec!["(other stacks)".to_string()],
            bytes: rest,
        });
    }
    stacks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(parent: Option<usize>, name: &str, url: &str, line: u32, size: f64) -> ProfileNode {
        ProfileNode {
            parent,
            function_name: name.to_string(),
            url: url.to_string(),
            line,
            column: 5,
            self_size: size,
        }
    }

    /// root → main (app) → handler (app) → push in node_modules → Array (internal)
    fn profile() -> Vec<ProfileNode> {
        vec![
            node(None, "(root)", "", 0, 0.0),
            node(Some(0), "main", "/app/server.js", 10, 1_000.0),
            node(Some(1), "addItem", "/app/cart.js", 41, 800_000.0),
            node(
                Some(2),
                "remember",
                "/app/node_modules/lru/index.js",
                7,
                0.0,
            ),
            node(Some(3), "push", "node:internal/util", 3, 150_000.0),
            node(Some(1), "render", "/app/view.js", 3, 49_000.0),
            node(Some(0), "(garbage collector)", "", 0, 0.0),
        ]
    }

    #[test]
    fn sites_are_the_nearest_application_frames_ranked_by_bytes() {
        let sites = rank_sites(&profile(), 30_000.0, &[], 5);
        assert_eq!(sites.len(), 3);
        let top = &sites[0];
        assert_eq!(top.site, "/app/cart.js:41:5");
        assert_eq!(top.function_name, "addItem");
        // Its own 800 KB plus the 150 KB allocated inside the dependency it calls.
        assert_eq!(top.live_bytes, 950_000.0);
        assert!((top.share - 0.95).abs() < 1e-9);
        assert!((top.growth_per_minute - 1_900_000.0).abs() < 1e-6);
        assert_eq!(top.frames[0], "addItem (/app/cart.js:41:5)");
        assert_eq!(sites[1].site, "/app/view.js:3:5");
        assert_eq!(sites[2].live_bytes, 1_000.0);
    }

    #[test]
    fn stacks_fold_from_the_outermost_frame_and_keep_the_heaviest() {
        let stacks = fold_stacks(&profile(), &[], 10);
        let total: f64 = stacks.iter().map(|s| s.bytes).sum();
        let all: f64 = profile().iter().map(|n| n.self_size).sum();
        assert_eq!(total, all, "every live byte is in one stack");
        assert_eq!(stacks[0].bytes, 800_000.0);
        assert_eq!(
            stacks[0].frames,
            vec!["main (/app/server.js:10:5)", "addItem (/app/cart.js:41:5)"]
        );
        let two = fold_stacks(&profile(), &[], 1);
        assert_eq!(two.len(), 2);
        assert_eq!(two[1].frames, vec!["(other stacks)"]);
        assert_eq!(two[0].bytes + two[1].bytes, all);
    }

    #[test]
    fn deep_stacks_are_cut_from_the_outside() {
        let mut nodes = vec![node(None, "(root)", "", 0, 0.0)];
        for i in 0..100 {
            nodes.push(node(
                Some(i),
                &format!("f{i}"),
                "/app/deep.js",
                i as u32 + 1,
                0.0,
            ));
        }
        nodes[100].self_size = 64.0;
        let stacks = fold_stacks(&nodes, &[], 5);
        assert_eq!(stacks.len(), 1);
        assert_eq!(stacks[0].frames.len(), STACK_DEPTH + 1);
        assert_eq!(stacks[0].frames[0], "…");
        assert_eq!(stacks[0].frames[STACK_DEPTH], "f99 (/app/deep.js:100:5)");
    }

    #[test]
    fn one_function_reached_by_many_paths_is_one_site() {
        let nodes = vec![
            node(None, "(root)", "", 0, 0.0),
            node(Some(0), "a", "/app/a.js", 1, 0.0),
            node(Some(0), "b", "/app/b.js", 2, 0.0),
            node(Some(1), "handle", "/app/h.js", 9, 600.0),
            node(Some(2), "handle", "/app/h.js", 9, 400.0),
        ];
        let sites = rank_sites(&nodes, 60_000.0, &[], 5);
        assert_eq!(sites.len(), 1, "{sites:?}");
        assert_eq!(sites[0].live_bytes, 1000.0);
        assert_eq!(sites[0].share, 1.0);
    }

    #[test]
    fn raw_frames_are_kept_from_the_allocating_frame_up() {
        let mut nodes = profile();
        nodes[2].self_size = 0.0;
        let sites = rank_sites(&nodes, 60_000.0, &[], 1);
        assert_eq!(sites[0].site, "/app/cart.js:41:5");
        assert_eq!(
            sites[0].frames,
            vec![
                "push (node:internal/util:3:5)",
                "remember (/app/node_modules/lru/index.js:7:5)",
                "addItem (/app/cart.js:41:5)",
                "main (/app/server.js:10:5)",
            ]
        );
    }

    #[test]
    fn ignored_prefixes_and_stacks_without_app_code() {
        let nodes = vec![
            node(None, "(root)", "", 0, 0.0),
            node(Some(0), "tick", "/lib/leakguard/lib/guard.js", 3, 0.0),
            node(Some(1), "", "node:internal/timers", 9, 4_000.0),
            node(Some(0), "", "node:internal/timers", 9, 1_000.0),
            node(Some(0), "(V8 API)", "", 0, 1_000.0),
        ];
        let ignored = vec!["/lib/leakguard/".to_string()];
        let sites = rank_sites(&nodes, 1_000.0, &ignored, 3);
        // leakguard's own 4 KB is left out; with no application frame on the
        // stack, the allocating frame is the site.
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0].site, "node:internal/timers:9:5");
        assert_eq!(sites[0].function_name, "<anonymous>");
        assert_eq!(sites[0].share, 0.5);
        assert_eq!(sites[1].site, "(V8 API)");
        assert!(sites[1].frames.is_empty());
    }

    #[test]
    fn garbage_input_never_panics() {
        let nodes = vec![
            node(Some(7), "a", "/app/a.js", 1, f64::NAN),
            node(Some(2), "b", "/app/b.js", 2, -5.0),
            node(Some(1), "c", "node:c", 3, 10.0),
            node(Some(3), "d", "node:d", 4, f64::INFINITY),
        ];
        // c → b (app) despite the b ↔ c cycle; d points at itself.
        let sites = rank_sites(&nodes, 0.0, &[], 10);
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].site, "/app/b.js:2:5");
        assert_eq!(sites[0].growth_per_minute, 0.0);
        assert!(rank_sites(&[], 1_000.0, &[], 3).is_empty());
        assert!(fold_stacks(&nodes, &[], 3).len() <= 4);
        assert!(fold_stacks(&[], &[], 3).is_empty());
    }
}
