//! Japan time and the Unix milliseconds every table stores: the one place they meet. Japan
//! keeps no daylight saving time, so Japan Standard Time is UTC+9 all year.

use time::{Date, OffsetDateTime, UtcOffset};

/// UTC+9.
pub const JST: UtcOffset = time::macros::offset!(+9);

/// Now, in Unix milliseconds.
pub fn now_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Today's date in Japan.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(JST).date()
}

/// The moment of a Unix-millisecond timestamp, in Japan.
pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(JST)
}

/// An RFC 3339 instant as typed (`2026-11-01T00:00:00+09:00`), as Unix ms.
pub fn parse_instant(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_is_nine_hours_ahead_of_utc() {
        // 2026-11-29T15:30:00Z is 2026-11-30 00:30 in Japan.
        let t = from_millis(1_795_966_200_000);
        assert_eq!(
            (t.date(), t.hour(), t.minute()),
            (time::macros::date!(2026 - 11 - 30), 0, 30)
        );
    }
}
