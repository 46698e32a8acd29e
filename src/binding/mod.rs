//! The N-API layer: type conversions only, the work is in [`crate::core`].

pub mod allocation_sites;
pub mod heap_snapshot;
pub mod leak_check;
pub mod listener_registry;
pub mod memory_monitor;
pub mod native_memory;
pub mod object_ledger;
pub mod report;
pub mod thread_times;
