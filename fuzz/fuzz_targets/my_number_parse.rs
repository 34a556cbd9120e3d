//! `MyNumber::parse` on arbitrary text: never panics; whatever it accepts is twelve ASCII
//! digits with a correct check digit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use my_number::MyNumber;

fuzz_target!(|input: &str| {
    if let Ok(number) = MyNumber::parse(input) {
        let digits = number.expose_digits();
        assert!(digits.iter().all(u8::is_ascii_digit));
        // Parsing the normalized form gives the same number back.
        let again = MyNumber::parse(std::str::from_utf8(digits).expect("ascii"));
        assert!(again.is_ok_and(|n| n.expose_digits() == digits));
    }
});
