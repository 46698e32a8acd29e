//! The N-API layer: type conversions only, the work is in [`crate::core`].

pub mod memory_monitor;
pub mod native_memory;
pub mod report;
