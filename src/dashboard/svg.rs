//! The SVG badge: a flat badge, the label on grey at the left, the state
//! on its colour at the right, each half as wide as its text in DejaVu
//! Sans at 11 px plus a margin on each side.
//!
//! The widths are the font's own advance widths (`widths.rs`, generated
//! from the font by `scripts/gen_badge_widths.py`); the text is drawn with
//! `textLength` set to that width, so a browser using another font of the
//! list stretches or squeezes it to fit rather than spilling over.

use crate::dashboard::badge::BadgeState;
use crate::dashboard::markup::{Markup, Tenths};
use crate::dashboard::widths::{ADVANCES, FALLBACK, FIRST, UNITS_PER_EM};

/// The font size, in pixels.
const FONT_SIZE: u64 = 11;
/// The room on each side of a text, in pixels.
const MARGIN: u64 = 6;
/// The badge's height, in pixels.
const HEIGHT: u64 = 20;

/// The width of `text` in DejaVu Sans at 11 px, in tenths of a pixel,
/// rounded up. Characters the table lacks count as its widest; control
/// characters (drawn as spaces) as a space.
pub(crate) fn text_width_tenths(text: &str) -> u64 {
    let units: u64 = text.chars().map(advance).sum();
    (units * FONT_SIZE * 10).div_ceil(u64::from(UNITS_PER_EM))
}

fn advance(c: char) -> u64 {
    let c = if c < ' ' { ' ' } else { c };
    let width = (u32::from(c))
        .checked_sub(FIRST)
        .and_then(|at| ADVANCES.get(at as usize))
        .copied()
        .filter(|&width| width > 0)
        .unwrap_or(FALLBACK);
    u64::from(width)
}

/// A badge labelled `label` showing `state`.
pub(crate) fn badge(label: &str, state: BadgeState) -> String {
    let status = state.as_str();
    // Whole pixels for the shapes, so that the halves meet on a pixel.
    let label_text = text_width_tenths(label);
    let status_text = text_width_tenths(status);
    let left = label_text.div_ceil(10) + 2 * MARGIN;
    let right = status_text.div_ceil(10) + 2 * MARGIN;
    let width = left + right;

    let mut svg = Markup::with_capacity(1024 + 2 * label.len());
    svg.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .num(width)
        .raw("\" height=\"")
        .num(HEIGHT)
        .raw("\" viewBox=\"0 0 ")
        .num(width)
        .raw(" ")
        .num(HEIGHT)
        .raw("\" role=\"img\" aria-label=\"")
        .text(label)
        .raw(": ")
        .raw(status)
        .raw("\">\n<title>")
        .text(label)
        .raw(": ")
        .raw(status)
        .raw("</title>\n<clipPath id=\"corners\"><rect width=\"")
        .num(width)
        .raw("\" height=\"")
        .num(HEIGHT)
        .raw("\" rx=\"3\"/></clipPath>\n<g clip-path=\"url(#corners)\">\n<rect width=\"")
        .num(left)
        .raw("\" height=\"")
        .num(HEIGHT)
        .raw("\" fill=\"#555\"/>\n<rect x=\"")
        .num(left)
        .raw("\" width=\"")
        .num(right)
        .raw("\" height=\"")
        .num(HEIGHT)
        .raw("\" fill=\"")
        .raw(state.color())
        .raw("\"/>\n</g>\n")
        .raw("<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"DejaVu Sans,Verdana,Geneva,sans-serif\" font-size=\"11\">\n<text x=\"")
        .num(Tenths(left * 5))
        .raw("\" y=\"14\" textLength=\"")
        .num(Tenths(label_text))
        .raw("\">")
        .text(label)
        .raw("</text>\n<text x=\"")
        .num(Tenths(left * 10 + right * 5))
        .raw("\" y=\"14\" textLength=\"")
        .num(Tenths(status_text))
        .raw("\">")
        .raw(status)
        .raw("</text>\n</g>\n</svg>\n");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_fonts_advances() {
        // DejaVu Sans: "u" 1298 and "p" 1300 units of 2048, at 11 px:
        // 2598 * 110 / 2048 = 139.5.. tenths, rounded up.
        assert_eq!(text_width_tenths("up"), 140);
        assert_eq!(text_width_tenths(""), 0);
        // A wide letter is wider than a narrow one.
        assert!(text_width_tenths("W") > text_width_tenths("i") * 2);
        // A character beyond the table counts as the widest of it.
        assert_eq!(
            text_width_tenths("\u{4E2D}"),
            (u64::from(FALLBACK) * 110).div_ceil(2048)
        );
        // Control characters are drawn as spaces.
        assert_eq!(text_width_tenths("\n"), text_width_tenths(" "));
    }

    #[test]
    fn the_halves_hold_their_texts_and_meet() {
        let svg = badge("prod", BadgeState::Down);
        let left = text_width_tenths("prod").div_ceil(10) + 12;
        let right = text_width_tenths("down").div_ceil(10) + 12;
        assert!(svg.contains(&format!("width=\"{}\" height=\"20\" viewBox", left + right)));
        assert!(svg.contains(&format!(
            "<rect width=\"{left}\" height=\"20\" fill=\"#555\"/>"
        )));
        assert!(svg.contains(&format!(
            "<rect x=\"{left}\" width=\"{right}\" height=\"20\" fill=\"#e05d44\"/>"
        )));
        assert!(svg.contains(">prod</text>") && svg.contains(">down</text>"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    }

    #[test]
    fn the_three_colours() {
        assert!(badge("x", BadgeState::Up).contains("fill=\"#4c1\""));
        assert!(badge("x", BadgeState::Late).contains("fill=\"#fe7d37\""));
        assert!(badge("x", BadgeState::Down).contains("fill=\"#e05d44\""));
    }

    #[test]
    fn the_label_is_escaped_everywhere_it_appears() {
        let svg = badge("a\"b<c>&'d\u{1}", BadgeState::Up);
        assert!(!svg.contains("a\"b"));
        assert!(!svg.contains("<c>"));
        assert_eq!(
            svg.matches("a&quot;b&lt;c&gt;&amp;&#39;d\u{FFFD}").count(),
            3
        );
    }
}
