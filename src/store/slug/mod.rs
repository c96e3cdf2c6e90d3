//! Slugs derived from check names, the way Django's `slugify` derives them.

mod table;

/// Derives a check's slug from its name, as healthchecks does (Django's
/// `slugify`): letters are folded to ASCII by their compatibility
/// decomposition (`é` becomes `e`, `ﬁ` becomes `fi`), characters with no ASCII
/// form are dropped, the rest is lower-cased, everything but `[a-z0-9_-]` and
/// white space is removed, runs of white space and hyphens become one hyphen,
/// and hyphens and underscores are trimmed from both ends.
///
/// ```
/// use tower_ping::slugify;
///
/// assert_eq!(slugify("Café Backup"), "cafe-backup");
/// assert_eq!(slugify("  Nightly -- DB_dump!  "), "nightly-db_dump");
/// assert_eq!(slugify("Straße"), "strae");
/// ```
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut pending_hyphen = false;
    for ascii in name.chars().flat_map(fold_to_ascii) {
        if ascii == '-' || is_python_space(ascii) {
            pending_hyphen = true;
        } else if ascii.is_ascii_alphanumeric() || ascii == '_' {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.push(ascii.to_ascii_lowercase());
        }
        // Anything else is removed without separating what surrounds it.
    }
    // Django strips '-' and '_' from both ends; hyphens never end up at the
    // ends here, underscores may.
    let trimmed = slug.trim_matches(['-', '_']);
    if trimmed.len() == slug.len() {
        slug
    } else {
        trimmed.to_owned()
    }
}

/// The ASCII characters a character keeps under NFKD and an ASCII encoding
/// that ignores what it cannot encode.
fn fold_to_ascii(c: char) -> impl Iterator<Item = char> {
    let kept: &'static str = if c.is_ascii() {
        // One-character ASCII strings, so `c` can be yielded as a `&str`.
        const ASCII: &str = "\0\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{e}\u{f}\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1a}\u{1b}\u{1c}\u{1d}\u{1e}\u{1f} !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u{7f}";
        let i = c as usize;
        &ASCII[i..=i]
    } else {
        table::ASCII_FOLDING
            .binary_search_by_key(&u32::from(c), |&(cp, _)| cp)
            .map_or("", |i| table::ASCII_FOLDING[i].1)
    };
    kept.chars()
}

/// Python's `\s` on ASCII text: the usual white space and the four
/// information separators.
fn is_python_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | ' ' | '\u{1c}'..='\u{1f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_django_on_names_people_write() {
        // Expected values from Django's slugify steps run in Python.
        for (name, slug) in [
            ("Café Backup", "cafe-backup"),
            ("Hello, World!", "hello-world"),
            ("  leading and trailing  ", "leading-and-trailing"),
            ("a - b", "a-b"),
            ("__init__", "init"),
            ("-_-x-_-", "x"),
            ("Ça marche à 100%", "ca-marche-a-100"),
            ("ﬁle №5 ²", "file-no5-2"),
            ("日本語", ""),
            ("Nightly\tDB\ndump", "nightly-db-dump"),
            ("Crème brûlée & Co.", "creme-brulee-co"),
            ("x\u{1c}y", "x-y"),
            ("ＡＢＣ１", "abc1"),
            ("Ærø", "r"),
            ("a.b", "ab"),
        ] {
            assert_eq!(slugify(name), slug, "{name:?}");
        }
    }

    #[test]
    fn folding_table_is_sorted_for_binary_search() {
        assert!(table::ASCII_FOLDING.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
