//! The C library of mxlists (`libmxlists.so`, `libmxlists.a`, header
//! `include/mxlists.h`): a small C API over [`mxlists_core`], and the functions
//! Exim calls through `${dlfunc}`.
//!
//! The library adds no logic of its own: it translates C strings to values,
//! results to C structs and Exim strings, and errors to return codes and
//! messages.
//!
//! Every exported function:
//! - accepts NULL for every pointer argument (an error, never a crash);
//! - accepts any bytes in strings (bytes that are not UTF-8 make an invalid
//!   value);
//! - runs under `catch_unwind`, so a panic becomes an error return and never
//!   unwinds into C;
//! - never writes to stdout or stderr;
//! - is safe to call from several threads at once.
//!
//! The C API ([`capi`]): `mxlists_open`, `mxlists_close`, `mxlists_check`,
//! `mxlists_last_error`, `mxlists_version`. The Exim functions ([`exim`]):
//! `mxl_check` and `mxl_match`.

pub mod capi;
pub mod exim;

mod boundary;
mod cache;
mod query;
