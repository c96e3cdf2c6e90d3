//! One test per row of the behaviour contract (SPEC.md), through the service
//! with `oneshot`, asserting status, body, headers and what was recorded.

#[path = "../common/mod.rs"]
mod common;

mod s10_rate_limit;
mod s14_policy;
mod s1_paths;
mod s2_methods;
mod s3_query;
mod s4_recorded;
mod s5_answers;
mod s6_state;
mod s7_quirks;
mod s8_schedules;
mod s9_flips;
