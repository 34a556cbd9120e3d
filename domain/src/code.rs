//! Stable codes: how an enum of the vocabulary is stored in the database and exchanged in
//! the API (`snake_case`, never renamed). Derived with `strum`, once per enum, by
//! [`codes!`](crate::codes): `code()`, `from_code()`, `ALL` and `CODES` in declaration order.

/// Gives an enum deriving `strum::IntoStaticStr`, `strum::EnumString`, `strum::VariantArray`
/// and `strum::VariantNames` its inherent `code`, `from_code`, `ALL` and `CODES`.
#[macro_export]
macro_rules! codes {
    ($($name:ty),* $(,)?) => {$(
        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

            /// The codes of [`Self::ALL`], in the same order (a form's choices).
            pub const CODES: &'static [&'static str] = <Self as strum::VariantNames>::VARIANTS;

            /// The stored and exchanged code.
            pub fn code(self) -> &'static str {
                self.into()
            }

            /// Reads a stored or submitted code.
            pub fn from_code(code: &str) -> Option<Self> {
                code.parse().ok()
            }
        }
    )*};
}
