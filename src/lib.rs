//! leakguard: finds memory leaks inside a running Node.js process.
//!
//! [`core`] holds the analysis in plain Rust; [`binding`] converts N-API
//! values and calls into it, one file per exported concept. [`malloc_info`]
//! is the FFI that reads malloc, [`process_memory`] the process-wide
//! ledger that turns it into native memory, and [`thread_times`] a thread's
//! own CPU time and wait for a core.
#![deny(clippy::all)]

pub mod binding;
pub mod core;
pub mod malloc_info;
pub mod process_memory;
pub mod thread_times;
