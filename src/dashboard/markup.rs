//! [`Markup`]: HTML and SVG written escape-by-default.
//!
//! The page and the badge are written through this type only. Markup of
//! the template itself goes in with [`Markup::raw`], which takes
//! `&'static str`: text made at run time (a check's name, a tag, a
//! project's name) cannot be passed there and has to go through
//! [`Markup::text`], which escapes it. Numbers go through
//! [`Markup::num`], which takes only number types.

/// HTML or SVG being written.
#[derive(Debug, Default)]
pub(crate) struct Markup {
    out: String,
}

/// A number [`Markup::num`] may write: its text has no markup in it.
pub(crate) trait Number {
    /// Writes the number's decimal digits.
    fn write_to(self, out: &mut String);
}

impl Number for u64 {
    fn write_to(self, out: &mut String) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = self;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for &digit in &digits[at..] {
            out.push(char::from(digit));
        }
    }
}

impl Number for u32 {
    fn write_to(self, out: &mut String) {
        u64::from(self).write_to(out);
    }
}

impl Number for usize {
    fn write_to(self, out: &mut String) {
        (self as u64).write_to(out);
    }
}

/// A length in tenths, written with one decimal (`43.5`, `12.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tenths(pub(crate) u64);

impl Number for Tenths {
    fn write_to(self, out: &mut String) {
        (self.0 / 10).write_to(out);
        out.push('.');
        (self.0 % 10).write_to(out);
    }
}

impl Markup {
    /// An empty document with room for `bytes`.
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Self {
            out: String::with_capacity(bytes),
        }
    }

    /// Markup of the template: written as it is.
    pub(crate) fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Text, escaped for an element's content or a quoted attribute value:
    /// `&`, `<`, `>`, `"` and `'` as entities; the control characters XML
    /// forbids (all below U+0020 but tab, line feed and carriage return,
    /// and U+FFFE, U+FFFF) as U+FFFD, so the document stays well-formed.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        // Runs of plain text are copied whole; only what must change is
        // looked at byte by byte (every byte matched is ASCII, or the
        // first of U+FFFE or U+FFFF, so the slices stay on characters).
        let bytes = text.as_bytes();
        let (mut start, mut at) = (0, 0);
        while at < bytes.len() {
            let (replacement, width) = match bytes[at] {
                b'&' => ("&amp;", 1),
                b'<' => ("&lt;", 1),
                b'>' => ("&gt;", 1),
                b'"' => ("&quot;", 1),
                b'\'' => ("&#39;", 1),
                b'\t' | b'\n' | b'\r' => {
                    at += 1;
                    continue;
                }
                0..=0x1F => ("\u{FFFD}", 1),
                0xEF if bytes.get(at + 1) == Some(&0xBF)
                    && matches!(bytes.get(at + 2), Some(0xBE | 0xBF)) =>
                {
                    ("\u{FFFD}", 3)
                }
                _ => {
                    at += 1;
                    continue;
                }
            };
            self.out.push_str(&text[start..at]);
            self.out.push_str(replacement);
            at += width;
            start = at;
        }
        self.out.push_str(&text[start..]);
        self
    }

    /// A number.
    pub(crate) fn num(&mut self, number: impl Number) -> &mut Self {
        number.write_to(&mut self.out);
        self
    }

    /// The document.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_markup_is_not() {
        let mut m = Markup::default();
        m.raw("<b title=\"")
            .text("a\"b'c")
            .raw("\">")
            .text("<script>&amp;</script>")
            .raw("</b>");
        assert_eq!(
            m.finish(),
            "<b title=\"a&quot;b&#39;c\">&lt;script&gt;&amp;amp;&lt;/script&gt;</b>"
        );
    }

    #[test]
    fn characters_xml_forbids_are_replaced() {
        let mut m = Markup::default();
        m.text("a\u{0}b\u{1b}c\td\ne\u{FFFF}é\u{FFFE}\u{FFFD}\u{EFBF}x");
        assert_eq!(
            m.finish(),
            "a\u{FFFD}b\u{FFFD}c\td\ne\u{FFFD}é\u{FFFD}\u{FFFD}\u{EFBF}x"
        );
    }

    #[test]
    fn numbers_and_tenths() {
        let mut m = Markup::default();
        m.num(42u32)
            .raw(" ")
            .num(Tenths(435))
            .raw(" ")
            .num(Tenths(120));
        assert_eq!(m.finish(), "42 43.5 12.0");
    }
}
