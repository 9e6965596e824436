//! Batch runs for CI and planning studies: a sweep file expands a base scenario into members
//! (grid values and seeded Monte Carlo draws), the members run in parallel, optionally one
//! shard of them per machine, and the results become tables, percentiles, failure
//! probabilities, JUnit XML and a Markdown summary.
//!
//! - [`sweep`]: the sweep format and its expansion into member scenarios.
//! - [`run`]: parallel execution and sharding.
//! - [`results`]: member results, statistics and the output files.
//! - [`junit`]: JUnit XML.
//! - [`merge`]: combining shard outputs.
//!
//! Determinism: a member's scenario text, seed and draws depend only on the sweep and the
//! member's index, and outputs are written in index order, so results are bit-identical
//! whatever the thread count or the sharding.

pub mod capacity;
pub mod compare;
pub mod junit;
pub mod merge;
pub mod outputs;
pub mod results;
pub mod run;
pub mod sweep;
