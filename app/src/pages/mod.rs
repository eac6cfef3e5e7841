//! One module per screen.

mod all_leads;
mod not_found;
mod source_leads;
mod sources;

pub use all_leads::AllLeadsPage;
pub use not_found::NotFound;
pub use source_leads::SourceLeadsPage;
pub use sources::SourcesPage;
