//! The registers kept under the safety-management measures (安全管理措置): none holds a
//! number.

/// Which ledger.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Ledger {
    /// 特定個人情報ファイル台帳: the files holding numbers, derived from live data.
    Files,
    /// 持出管理記録簿: everything that left.
    Exports,
    /// 廃棄記録: every disposal.
    Disposals,
}

crate::codes!(Ledger);
