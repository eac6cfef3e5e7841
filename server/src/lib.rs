// The app's Leptos view types nest deeply; computing their layout in the
// server build needs more than the default depth of 128.
#![recursion_limit = "256"]

//! The Leadbase server: configuration, HTTP router, command line and the jobs
//! that run beside the web app.

pub mod api;
pub mod bench;
pub mod cli;
pub mod config;
pub mod leads_csv;
pub mod router;
pub mod seed;
pub mod telemetry;

pub use app::backend::Error;
