//! What a staff account may do.

use serde::{Deserialize, Serialize};

/// A staff account's role.
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
pub enum Role {
    /// 事務取扱担当者: works the verification queue.
    Officer,
    /// 支社の取り纏め担当: collects on behalf of a branch's staff.
    Collector,
    /// 監査責任者: reads the trail and ledgers; never sees a number.
    Auditor,
    /// Manages accounts and settings; never sees a number.
    Admin,
}

crate::codes!(Role);
