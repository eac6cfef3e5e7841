//! One module per screen.

mod all_leads;
mod lead_detail;
mod not_found;
mod source_leads;
mod sources;

pub use all_leads::AllLeadsPage;
pub use lead_detail::{detail_href, LeadDetailPage};
pub use not_found::NotFound;
pub use source_leads::SourceLeadsPage;
pub use sources::SourcesPage;
