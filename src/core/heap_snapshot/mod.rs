//! V8 heap snapshots: a streaming reader into compact arrays, and the
//! analyses that say what grew between snapshots and what holds it.

pub mod analysis;
pub mod classes;
pub mod dominators;
pub mod error;
pub mod graph;
pub mod huge_pages;
pub mod json_stream;
pub mod prefetch;
pub mod reader;
pub mod retainer_paths;
pub mod word_hasher;
