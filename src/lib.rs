//! leakguard: finds memory leaks inside a running Node.js process.
//!
//! [`core`] holds the analysis in plain Rust; [`binding`] converts N-API
//! values and calls into it, one file per exported concept.
#![deny(clippy::all)]

pub mod binding;
pub mod core;
pub mod native_memory;
