//! The analysis core: plain Rust, no N-API types, tested with `cargo test`.

pub mod allocation_sites;
pub mod code_growth;
pub mod escalation;
pub mod frame_class;
pub mod growth;
pub mod heap_snapshot;
pub mod isolate_ledger;
pub mod leak_check;
pub mod listener_registry;
pub mod memory_monitor;
pub mod object_ledger;
pub mod report;
pub mod site_tally;
pub mod stack_trace;
pub mod trend;
