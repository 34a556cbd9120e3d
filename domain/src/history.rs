//! The record over the years (issue 17): one person (employee or payee) with a stable id,
//! their dependants linked with the dates each relationship and 第3号 status began and
//! ended, and the changes that happen after a verification. A change is one event in that
//! history: it holds a new version of the changed person only, goes to the officer alone,
//! and reaches payroll as an added, changed or ended row.

use serde::{Deserialize, Serialize};

/// What changed on a verified record.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ChangeKind {
    /// A new dependant (a newborn, a marriage); the number may be pending.
    AddDependant,
    /// A dependant leaves (扶養から外れる), from a date.
    EndDependant,
    /// A new name (marriage, …); the old one stays in the history and as 旧姓.
    Name,
    /// A new address.
    Address,
    /// A reissued number: the old one stays sealed, superseded, never exported as current.
    Number,
    /// A spouse starts being a 国民年金第3号被保険者.
    Category3Start,
    /// A spouse stops being a 国民年金第3号被保険者.
    Category3End,
}

crate::codes!(ChangeKind);

/// How payroll sees a change row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeMark {
    /// A person payroll did not have.
    Added,
    /// A person payroll has, with new details.
    Changed,
    /// A person who leaves the record from the date.
    Ended,
}

impl ChangeMark {
    /// The code in the payroll CSV.
    pub fn code(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Changed => "changed",
            Self::Ended => "ended",
        }
    }
}

impl ChangeKind {
    /// How the change reaches payroll.
    pub fn mark(self) -> ChangeMark {
        match self {
            Self::AddDependant => ChangeMark::Added,
            Self::EndDependant => ChangeMark::Ended,
            _ => ChangeMark::Changed,
        }
    }

    /// Whether the new version needs an officer's 本人確認 (the rules of the day): anything
    /// that changes who the person is or their number. Ending a dependant only records
    /// the date, which the officer confirms without a check.
    pub fn needs_verification(self) -> bool {
        !matches!(self, Self::EndDependant)
    }

    /// Whether the change concerns a dependant only.
    pub fn dependant_only(self) -> bool {
        matches!(
            self,
            Self::AddDependant | Self::EndDependant | Self::Category3Start | Self::Category3End
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_marks_follow_the_kind() {
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(ChangeKind::AddDependant.mark(), ChangeMark::Added);
        assert_eq!(ChangeKind::EndDependant.mark(), ChangeMark::Ended);
        assert_eq!(ChangeKind::Number.mark(), ChangeMark::Changed);
        assert!(!ChangeKind::EndDependant.needs_verification());
    }
}
