//! `rankAllocationSites`: the allocation sites of a sampled heap profile.

use napi_derive::napi;

use crate::core::allocation_sites::{
    fold_stacks, rank_sites, AllocationSite, FoldedStack, ProfileNode,
};

/// A sampled heap profile's tree as parallel arrays, one entry a node.
#[napi(object)]
pub struct ProfileNodes {
    /// Index of each node's parent; -1 for the root.
    pub parents: Vec<i32>,
    /// Function names.
    pub function_names: Vec<String>,
    /// Script URLs or paths.
    pub urls: Vec<String>,
    /// Lines, 1-based.
    pub lines: Vec<u32>,
    /// Columns, 1-based.
    pub columns: Vec<u32>,
    /// Live sampled bytes each node allocated itself.
    pub self_sizes: Vec<f64>,
}

/// One allocation site of heap growth.
#[napi(object)]
pub struct AllocationSiteObject {
    /// `file:line:column`.
    pub site: String,
    /// The function at the site.
    pub function_name: String,
    /// Live bytes allocated there over the window (sampled estimate).
    pub live_bytes: f64,
    /// Those bytes a minute.
    pub growth_per_minute: f64,
    /// Share of the live bytes added over the window.
    pub share: f64,
    /// The stack of the largest contribution, allocating frame first.
    pub frames: Vec<String>,
}

/// One stack of the growth, for a flame graph.
#[napi(object)]
pub struct FoldedStackObject {
    /// Printed frames, outermost first.
    pub frames: Vec<String>,
    /// Live sampled bytes allocated at the end of this stack.
    pub bytes: f64,
}

impl From<FoldedStack> for FoldedStackObject {
    fn from(s: FoldedStack) -> Self {
        FoldedStackObject {
            frames: s.frames,
            bytes: s.bytes,
        }
    }
}

/// The ranked sites, and the heaviest stacks of the growth.
#[napi(object)]
pub struct RankedSites {
    /// The top sites.
    pub sites: Vec<AllocationSiteObject>,
    /// The heaviest stacks, outermost frame first.
    pub stacks: Vec<FoldedStackObject>,
}

impl From<AllocationSite> for AllocationSiteObject {
    fn from(s: AllocationSite) -> Self {
        AllocationSiteObject {
            site: s.site,
            function_name: s.function_name,
            live_bytes: s.live_bytes,
            growth_per_minute: s.growth_per_minute,
            share: s.share,
            frames: s.frames,
        }
    }
}

/// Ranks the allocation sites of a profile taken over `windowMs`, and folds
/// its `topStacks` heaviest stacks; frames under the `ignored` path
/// prefixes are not application code.
#[napi]
pub fn rank_allocation_sites(
    nodes: ProfileNodes,
    window_ms: f64,
    ignored: Vec<String>,
    top: u32,
    top_stacks: u32,
) -> RankedSites {
    let n = nodes.parents.len();
    let nodes: Vec<ProfileNode> = (0..n)
        .map(|i| ProfileNode {
            parent: usize::try_from(nodes.parents[i]).ok(),
            function_name: nodes.function_names.get(i).cloned().unwrap_or_default(),
            url: nodes.urls.get(i).cloned().unwrap_or_default(),
            line: nodes.lines.get(i).copied().unwrap_or(0),
            column: nodes.columns.get(i).copied().unwrap_or(0),
            self_size: nodes.self_sizes.get(i).copied().unwrap_or(0.0),
        })
        .collect();
    let sites = rank_sites(&nodes, window_ms, &ignored, top as usize);
    RankedSites {
        stacks: fold_stacks(&nodes, &ignored, top_stacks as usize)
            .into_iter()
            .map(Into::into)
            .collect(),
        sites: sites.into_iter().map(Into::into).collect(),
    }
}
