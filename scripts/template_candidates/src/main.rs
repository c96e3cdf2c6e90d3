//! maud against the dashboard's writer (a copy of its `text` and `num`,
//! src/dashboard/markup.rs) on the same page: 1,000 rows of a status page,
//! names with characters to escape. Prints the median time of 200 pages.
use maud::{html, PreEscaped, DOCTYPE};
use std::fmt::Write as _;
use std::time::Instant;

struct Row { name: String, tags: String, status: &'static str, last: String, next: String, spans: Vec<(u64, u64, &'static str)> }

#[derive(Default)]
struct Markup { out: String }
impl Markup {
    fn raw(&mut self, m: &'static str) -> &mut Self { self.out.push_str(m); self }
    fn text(&mut self, text: &str) -> &mut Self {
        let bytes = text.as_bytes();
        let (mut start, mut i) = (0, 0);
        while i < bytes.len() {
            let (replacement, width) = match bytes[i] {
                b'&' => ("&amp;", 1), b'<' => ("&lt;", 1), b'>' => ("&gt;", 1), b'"' => ("&quot;", 1), b'\'' => ("&#39;", 1),
                b'\t' | b'\n' | b'\r' => { i += 1; continue }
                0..=0x1F => ("\u{FFFD}", 1),
                0xEF if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) => ("\u{FFFD}", 3),
                _ => { i += 1; continue }
            };
            self.out.push_str(&text[start..i]);
            self.out.push_str(replacement);
            i += width;
            start = i;
        }
        self.out.push_str(&text[start..]);
        self
    }
    fn num(&mut self, mut n: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop { at -= 1; digits[at] = b'0' + (n % 10) as u8; n /= 10; if n == 0 { break } }
        self.out.push_str(std::str::from_utf8(&digits[at..]).unwrap());
        self
    }
}

fn ours(rows: &[Row]) -> String {
    let mut h = Markup { out: String::with_capacity(4096 + rows.len() * 1024) };
    h.raw("<!DOCTYPE html><html><head><title>Status</title></head><body><table><tbody>");
    for r in rows {
        h.raw("<tr class=\"check\" data-status=\"").raw(r.status).raw("\"><td class=\"name\">").text(&r.name)
         .raw("<span class=\"tags\">").text(&r.tags).raw("</span></td><td>").raw(r.status).raw("</td><td>").text(&r.last)
         .raw("</td><td>").text(&r.next).raw("</td><td><svg viewBox=\"0 0 1000 10\">");
        for (x, w, s) in &r.spans {
            h.raw("<rect x=\"").num(*x).raw("\" width=\"").num(*w).raw("\" data-status=\"").raw(s).raw("\"/>");
        }
        h.raw("</svg></td></tr>");
    }
    h.raw("</tbody></table></body></html>");
    h.out
}

fn theirs(rows: &[Row]) -> String {
    html! {
        (DOCTYPE)
        html { head { title { "Status" } } body { table { tbody {
            @for r in rows {
                tr class="check" data-status=(r.status) {
                    td class="name" { (r.name) span class="tags" { (r.tags) } }
                    td { (r.status) } td { (r.last) } td { (r.next) }
                    td { (PreEscaped("<svg viewBox=\"0 0 1000 10\">"))
                        @for (x, w, s) in &r.spans { rect x=(x) width=(w) data-status=(s) {} }
                        (PreEscaped("</svg>")) }
                }
            }
        } } } }
    }.into_string()
}

fn main() {
    let rows: Vec<Row> = (0..1000).map(|i| Row {
        name: format!("Nightly backup <{i}> \"db\" & co"), tags: "prod web".into(), status: if i % 7 == 0 { "down" } else { "up" },
        last: "2030-01-01 00:00 UTC".into(), next: "2030-01-01 01:00 UTC".into(),
        spans: vec![(0, 300, "up"), (300, 50, "down"), (350, 650, "up")],
    }).collect();
    for (name, f) in [("ours", ours as fn(&[Row]) -> String), ("maud", theirs), ("ours", ours), ("maud", theirs)] {
        let mut times = Vec::new();
        let mut len = 0;
        for _ in 0..200 { let t = Instant::now(); len = f(&rows).len(); times.push(t.elapsed().as_secs_f64() * 1e6); }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("{name}: median {:.0} us per page of 1000 rows, {len} bytes", times[100]);
    }
}
