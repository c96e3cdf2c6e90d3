//! Text as Python reads it, where schedules (cron, OnCalendar) are split
//! into fields.

/// Python's `str.isspace()`, which `str.split()` and `str.strip()` split and
/// strip on: Rust's whitespace plus the four information separators
/// U+001C-U+001F.
pub(crate) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_whitespace() {
        for c in [
            ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{1f}', '\u{85}', '\u{a0}',
            '\u{2028}', '\u{3000}',
        ] {
            assert!(is_python_space(c), "{c:?}");
        }
        for c in ['a', '\u{200b}', '\u{180e}', '\u{feff}', '_'] {
            assert!(!is_python_space(c), "{c:?}");
        }
    }
}
