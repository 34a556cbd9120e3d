//! The queue's filters: which submissions an officer lists. Scope is applied by storage
//! (it is part of every query); these narrow the officer's own view.

use serde::Deserialize;
use storage::SubmissionState;
use storage::review::QueueEntry;

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

    /// Narrows what storage returned; `now_ms` is the server clock.
    pub fn apply(&self, entries: Vec<QueueEntry>, now_ms: i64) -> Vec<QueueEntry> {
        let cutoff = self.older_than_days.map(|d| now_ms - d * 86_400_000);
        entries
            .into_iter()
            .filter(|e| {
                self.branch
                    .as_deref()
                    .is_none_or(|b| e.branch_code.as_deref() == Some(b))
            })
            .filter(|e| cutoff.is_none_or(|c| e.submitted_at.unwrap_or(e.updated_at) <= c))
            .filter(|e| !self.flagged_duplicates || e.duplicate_number)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(branch: &str, submitted_at: i64, duplicate: bool) -> QueueEntry {
        QueueEntry {
            submission_id: Default::default(),
            state: SubmissionState::Submitted,
            branch_code: Some(branch.to_owned()),
            display_name: "山田".into(),
            submitted_at: Some(submitted_at),
            updated_at: submitted_at,
            claimed_by: None,
            duplicate_number: duplicate,
        }
    }

    #[test]
    fn filters_combine() {
        let day = 86_400_000;
        let all = vec![
            entry("TKY", 0, false),
            entry("OSK", 0, true),
            entry("TKY", 9 * day, true),
        ];
        let f = QueueFilter {
            branch: Some("TKY".into()),
            older_than_days: Some(3),
            ..QueueFilter::default()
        };
        assert_eq!(f.apply(all.clone(), 10 * day).len(), 1);
        let dup = QueueFilter {
            flagged_duplicates: true,
            ..QueueFilter::default()
        };
        assert_eq!(dup.apply(all, 10 * day).len(), 2);
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
