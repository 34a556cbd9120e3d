//! The queue's filters: which submissions an officer lists. Scope is applied by storage
//! (it is part of every query); these narrow the officer's own view.

use serde::Deserialize;
use storage::SubmissionState;
use storage::review::QueueQuery;

/// The filters of the queue list (all optional, as query parameters).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueFilter {
    /// Only this state (`submitted`, `in_review`, …).
    pub state: Option<String>,
    /// Only this branch.
    pub branch: Option<String>,
    /// Only items handed in at least this many days ago.
    pub older_than_days: Option<i64>,
    /// Only items whose number is also another person's (same blind index).
    #[serde(default)]
    pub flagged_duplicates: bool,
    /// List declined submissions (with their reasons) instead of open ones.
    #[serde(default)]
    pub declined: bool,
}

/// The filter asked for a state that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown state")]
pub struct UnknownState;

/// The states waiting for an officer.
pub const OPEN_STATES: [SubmissionState; 3] = [
    SubmissionState::Submitted,
    SubmissionState::Resubmitted,
    SubmissionState::InReview,
];

impl QueueFilter {
    /// The states to fetch from storage.
    pub fn states(&self) -> Result<Vec<SubmissionState>, UnknownState> {
        if self.declined {
            return Ok(vec![SubmissionState::Declined]);
        }
        match &self.state {
            Some(code) => SubmissionState::from_code(code)
                .map(|s| vec![s])
                .ok_or(UnknownState),
            None => Ok(OPEN_STATES.to_vec()),
        }
    }

    /// The storage query of these filters; `now_ms` is the server clock. Every filter
    /// runs in the database, so a page costs the same whatever the backlog.
    pub fn query(&self, now_ms: i64) -> Result<QueueQuery, UnknownState> {
        Ok(QueueQuery {
            states: self.states()?,
            branch: self.branch.clone().filter(|b| !b.is_empty()),
            submitted_before: self.older_than_days.map(|d| now_ms - d * 86_400_000),
            duplicates_only: self.flagged_duplicates,
            after: None,
            limit: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_one_query() {
        let day = 86_400_000;
        let f = QueueFilter {
            branch: Some("TKY".into()),
            older_than_days: Some(3),
            flagged_duplicates: true,
            ..QueueFilter::default()
        };
        let q = f.query(10 * day).expect("query");
        assert_eq!(q.states, OPEN_STATES.to_vec());
        assert_eq!(q.branch.as_deref(), Some("TKY"));
        assert_eq!(q.submitted_before, Some(7 * day));
        assert!(q.duplicates_only);
        assert!(
            QueueFilter {
                state: Some("bogus".into()),
                ..QueueFilter::default()
            }
            .states()
            .is_err()
        );
        assert_eq!(
            QueueFilter {
                declined: true,
                ..QueueFilter::default()
            }
            .states(),
            Ok(vec![SubmissionState::Declined])
        );
    }
}
