//! Server-only code: the database access behind the server functions, the REST
//! routes and the command line. Never compiled into the browser bundle.

pub mod db;
pub mod error;
pub mod leads;
pub mod search;
pub mod search_index;
pub mod search_text;
pub mod sources;

pub use db::{connect, migrate, MIGRATOR};
pub use error::Error;
