//! The HTML escaper of every template (configured in `askama.toml`): the same five
//! characters as askama's own, written as the named entities (`&lt;script&gt;`) that
//! people and tests recognise when they read a page's source.

use std::fmt::{self, Write};

/// Escapes `& < > " '` for HTML text and attribute values.
#[derive(Debug, Clone, Copy, Default)]
pub struct NamedEntities;

impl askama::filters::Escaper for NamedEntities {
    fn write_escaped_str<W: Write>(&self, mut dest: W, string: &str) -> fmt::Result {
        let mut last = 0;
        for (i, byte) in string.bytes().enumerate() {
            let entity = match byte {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&string[last..i])?;
            dest.write_str(entity)?;
            last = i + 1;
        }
        dest.write_str(&string[last..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use askama::filters::Escaper;

    #[test]
    fn markup_is_written_as_named_entities() {
        let mut out = String::new();
        NamedEntities
            .write_escaped_str(&mut out, "<script>alert('x') & \"y\"</script>山田")
            .expect("write");
        assert_eq!(
            out,
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;山田"
        );
    }
}
