//! The admins' re-confirmation (年末調整) pages: the campaigns with their progress and the
//! form that opens one; one campaign's progress per branch, its reminders, its closing and
//! who has not answered (names and branches, never a number).

use askama::Template;
use storage::campaign::{BranchProgress, CampaignSummary, Unanswered};

use crate::Text;
use crate::staff::{StaffFrame, jst};

/// `GET /s/campaigns`.
#[derive(Debug, Template)]
#[template(path = "staff/campaigns.html")]
pub struct CampaignsPage {
    /// Frame.
    pub staff: StaffFrame,
    /// Every campaign, newest first.
    pub campaigns: Vec<CampaignSummary>,
    /// The year the form proposes.
    pub this_year: i32,
    /// Whether SMTP is set up (the e-mail choice).
    pub mail_on: bool,
}

/// `GET /s/campaigns/{id}`.
#[derive(Debug, Template)]
#[template(path = "staff/campaign.html")]
pub struct CampaignPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The campaign and its progress.
    pub campaign: CampaignSummary,
    /// Who has not answered.
    pub unanswered: Vec<Unanswered>,
    /// Whether SMTP is set up (the reminder button).
    pub mail_on: bool,
}

macro_rules! helpers {
    ($page:ty) => {
        impl $page {
            /// A Unix-ms time in Japan time.
            pub fn when(&self, ms: &i64) -> String {
                jst(*ms)
            }

            /// The people a progress line counts.
            pub fn total(&self, p: &BranchProgress) -> i64 {
                p.no_change + p.changed + p.not_yet
            }

            /// A campaign's branches in words.
            pub fn scope(&self, c: &CampaignSummary) -> String {
                c.branches.join(", ")
            }

            /// How a link reached the person.
            pub fn channel(&self, u: &Unanswered) -> Text {
                if u.emailed {
                    Text::SCampaignByEmail
                } else {
                    Text::SCampaignOnPaper
                }
            }
        }
    };
}

helpers!(CampaignsPage);
helpers!(CampaignPage);
