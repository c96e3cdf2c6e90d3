//! The Prometheus text a project's metrics are written in: the families,
//! labels, values and escaping of healthchecks' exposition, so that
//! dashboards and alert rules made for it read ours unchanged.
//!
//! Every family is a gauge, `# HELP` and `# TYPE` first, families apart by
//! a blank line, in this order: `hc_check_up`, `hc_check_started`,
//! `hc_check_grace`, `hc_check_paused` (one line per check, labels `name`,
//! `tags`, `unique_key`), `hc_tag_up` (one line per tag, sorted),
//! `hc_checks_total`, `hc_checks_down_total`. (`promtool check metrics`
//! warns that gauges should not end in `_total`; the names are
//! healthchecks', and dashboards depend on them.)
//!
//! Pure: [`Exposition::add`] takes the moment the statuses are computed
//! at. The text is written a chunk at a time ([`Chunks`]), so a scrape of
//! many checks holds their labels once, not the whole text.

use std::collections::BTreeMap;
use std::time::SystemTime;

use bytes::Bytes;

use crate::state::status::LiveStatus;
use crate::store::check_summary::CheckSummary;

/// How many bytes a chunk of the text holds at least (but the last).
const CHUNK: usize = 64 * 1024;

/// One check, as its lines need it.
#[derive(Debug)]
struct Row {
    /// `{name="...", tags="...", unique_key="..."}`, escaped.
    labels: String,
    status: LiveStatus,
    started: bool,
}

/// A project's metrics at one moment: its checks' labels and statuses, its
/// tags and whether any check with each is down.
#[derive(Debug, Default)]
pub(crate) struct Exposition {
    rows: Vec<Row>,
    /// Every tag, sorted, and whether a check with it is down.
    tags: BTreeMap<String, bool>,
    down: usize,
}

/// A per-check family: its name, its help, and whether a row's value is 1.
type Family = (&'static str, &'static str, fn(&Row) -> bool);

/// The per-check families, in order.
const CHECK_FAMILIES: [Family; 4] = [
    (
        "hc_check_up",
        "Whether the check is currently up (1 for yes, 0 for no).",
        |row| row.status != LiveStatus::Down,
    ),
    (
        "hc_check_started",
        "Whether the check is currently started (1 for yes, 0 for no).",
        |row| row.started,
    ),
    (
        "hc_check_grace",
        "Whether the check is currently in the grace period (1 for yes, 0 for no).",
        |row| row.status == LiveStatus::Grace,
    ),
    (
        "hc_check_paused",
        "Whether the check is currently paused (1 for yes, 0 for no).",
        |row| row.status == LiveStatus::Paused,
    ),
];

impl Exposition {
    /// Adds `check` as it stands at `now`.
    pub(crate) fn add(&mut self, check: &CheckSummary, now: SystemTime) {
        let at = check.status_at(now);
        let mut labels = String::with_capacity(check.name.len() + check.tags.len() + 72);
        labels.push_str("{name=\"");
        escape_into(&mut labels, &check.name);
        labels.push_str("\", tags=\"");
        escape_into(&mut labels, &check.tags);
        labels.push_str("\", unique_key=\"");
        labels.push_str(&check.unique_key());
        labels.push_str("\"}");
        let down = at.status == LiveStatus::Down;
        if down {
            self.down += 1;
        }
        for tag in check.tag_list() {
            match self.tags.get_mut(tag) {
                Some(any_down) => *any_down |= down,
                None => {
                    self.tags.insert(tag.to_owned(), down);
                }
            }
        }
        self.rows.push(Row {
            labels,
            status: at.status,
            started: at.started,
        });
    }

    /// The text, a chunk at a time.
    pub(crate) fn into_chunks(self) -> Chunks {
        Chunks {
            exposition: self,
            section: 0,
            next: 0,
        }
    }

    /// The whole text at once.
    #[cfg(test)]
    pub(crate) fn into_text(self) -> String {
        let mut chunks = self.into_chunks();
        let mut text = String::new();
        while let Some(chunk) = chunks.next_chunk() {
            text.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
        text
    }
}

/// Escapes a label value as healthchecks does: `\`, `"` and line feeds.
fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// The text of an [`Exposition`], written a chunk at a time: each family
/// in turn, each from where the last chunk stopped.
#[derive(Debug)]
pub(crate) struct Chunks {
    exposition: Exposition,
    /// 0..4: the per-check families; 4: tags; 5: the totals; 6: done.
    section: usize,
    /// The next row (or tag) of the section, `0` before its header.
    next: usize,
}

impl Chunks {
    /// The next chunk: at least 64 KiB unless it is the last; `None` once
    /// the text is written.
    pub(crate) fn next_chunk(&mut self) -> Option<Bytes> {
        if self.section > 5 {
            return None;
        }
        let mut out = String::with_capacity(CHUNK + 256);
        while out.len() < CHUNK && self.section <= 5 {
            self.write_some(&mut out);
        }
        Some(Bytes::from(out))
    }

    /// Writes the next header or lines of the current section.
    fn write_some(&mut self, out: &mut String) {
        let exposition = &self.exposition;
        match self.section {
            family @ 0..=3 => {
                let (name, help, value) = CHECK_FAMILIES[family];
                if self.next == 0 {
                    header(out, family > 0, name, help);
                }
                let rows = &exposition.rows[self.next..];
                let mut written = 0;
                for row in rows {
                    out.push_str(name);
                    out.push_str(&row.labels);
                    out.push_str(if value(row) { " 1\n" } else { " 0\n" });
                    written += 1;
                    if out.len() >= CHUNK {
                        break;
                    }
                }
                self.next += written;
                if self.next >= exposition.rows.len() {
                    self.next_section();
                }
            }
            4 => {
                header(
                    out,
                    true,
                    "hc_tag_up",
                    "Whether all checks with this tag are up (1 for yes, 0 for no).",
                );
                for (tag, down) in &exposition.tags {
                    out.push_str("hc_tag_up{tag=\"");
                    escape_into(out, tag);
                    out.push_str(if *down { "\"} 0\n" } else { "\"} 1\n" });
                }
                self.next_section();
            }
            _ => {
                header(out, true, "hc_checks_total", "The total number of checks.");
                out.push_str("hc_checks_total ");
                out.push_str(&exposition.rows.len().to_string());
                out.push('\n');
                header(
                    out,
                    true,
                    "hc_checks_down_total",
                    "The number of checks currently down.",
                );
                out.push_str("hc_checks_down_total ");
                out.push_str(&exposition.down.to_string());
                out.push('\n');
                self.next_section();
            }
        }
    }

    fn next_section(&mut self) {
        self.section += 1;
        self.next = 0;
    }
}

fn header(out: &mut String, after_another: bool, name: &str, help: &str) {
    if after_another {
        out.push('\n');
    }
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    out.push_str(help);
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push_str(" gauge\n");
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use uuid::Uuid;

    use super::*;
    use crate::state::check_state::CheckState;
    use crate::state::rules::CheckRules;
    use crate::state::schedule::Schedule;
    use crate::state::status::Status;
    use crate::store::check::Check;

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
    }

    /// A check pinged at t0, every 60 s with 30 s of grace, as `status`.
    fn check(uuid: &str, name: &str, tags: &str, status: Status) -> CheckSummary {
        let rules = CheckRules::default()
            .schedule(Schedule::Period(Duration::from_secs(60)))
            .grace(Duration::from_secs(30));
        let mut state = CheckState::with_status(status);
        state.last_ping = Some(t0());
        let mut check = Check::new(
            uuid.parse().unwrap(),
            name.into(),
            String::new(),
            None,
            rules,
            state,
        );
        check.tags = tags.into();
        CheckSummary::of(&check)
    }

    #[test]
    fn healthchecks_text_byte_for_byte() {
        // The families of healthchecks' own answer for one check (its
        // `unique_key` is computed from the UUID as healthchecks does).
        let mut e = Exposition::default();
        e.add(
            &check(
                "b0b00000-0000-4000-8000-000000000001",
                "Bob Check",
                "",
                Status::New,
            ),
            t0(),
        );
        let key = check("b0b00000-0000-4000-8000-000000000001", "", "", Status::New).unique_key();
        let labels = format!("{{name=\"Bob Check\", tags=\"\", unique_key=\"{key}\"}}");
        let expected = format!(
            "# HELP hc_check_up Whether the check is currently up (1 for yes, 0 for no).\n\
             # TYPE hc_check_up gauge\n\
             hc_check_up{labels} 1\n\
             \n\
             # HELP hc_check_started Whether the check is currently started (1 for yes, 0 for no).\n\
             # TYPE hc_check_started gauge\n\
             hc_check_started{labels} 0\n\
             \n\
             # HELP hc_check_grace Whether the check is currently in the grace period (1 for yes, 0 for no).\n\
             # TYPE hc_check_grace gauge\n\
             hc_check_grace{labels} 0\n\
             \n\
             # HELP hc_check_paused Whether the check is currently paused (1 for yes, 0 for no).\n\
             # TYPE hc_check_paused gauge\n\
             hc_check_paused{labels} 0\n\
             \n\
             # HELP hc_tag_up Whether all checks with this tag are up (1 for yes, 0 for no).\n\
             # TYPE hc_tag_up gauge\n\
             \n\
             # HELP hc_checks_total The total number of checks.\n\
             # TYPE hc_checks_total gauge\n\
             hc_checks_total 1\n\
             \n\
             # HELP hc_checks_down_total The number of checks currently down.\n\
             # TYPE hc_checks_down_total gauge\n\
             hc_checks_down_total 0\n"
        );
        assert_eq!(e.into_text(), expected);
    }

    #[test]
    fn statuses_come_from_now() {
        let up = check(
            "00000000-0000-4000-8000-000000000001",
            "a",
            "web",
            Status::Up,
        );
        let at = |secs| {
            let mut e = Exposition::default();
            e.add(&up, t0() + Duration::from_secs(secs));
            e.into_text()
        };
        let up_line = |text: &str| {
            text.lines()
                .find(|l| l.starts_with("hc_check_up{"))
                .unwrap()
                .to_owned()
        };
        let grace_line = |text: &str| {
            text.lines()
                .find(|l| l.starts_with("hc_check_grace{"))
                .unwrap()
                .to_owned()
        };
        let fresh = at(10);
        assert!(up_line(&fresh).ends_with(" 1") && grace_line(&fresh).ends_with(" 0"));
        let late = at(70);
        assert!(up_line(&late).ends_with(" 1") && grace_line(&late).ends_with(" 1"));
        let gone = at(90);
        assert!(up_line(&gone).ends_with(" 0") && grace_line(&gone).ends_with(" 0"));
        assert!(gone.contains("hc_tag_up{tag=\"web\"} 0\n"));
        assert!(gone.ends_with("hc_checks_down_total 1\n"));
    }

    #[test]
    fn labels_escape_backslash_quote_and_newline_only() {
        let mut e = Exposition::default();
        e.add(
            &check(
                "00000000-0000-4000-8000-000000000002",
                "Quote \" Back\\slash\nNewline\ttab é",
                "a\"b c\\d",
                Status::Up,
            ),
            t0(),
        );
        let text = e.into_text();
        assert!(text.contains(
            "hc_check_up{name=\"Quote \\\" Back\\\\slash\\nNewline\ttab é\", tags=\"a\\\"b c\\\\d\", unique_key=\""
        ));
        assert!(text.contains("hc_tag_up{tag=\"a\\\"b\"} 1\nhc_tag_up{tag=\"c\\\\d\"} 1\n"));
    }

    #[test]
    fn tags_are_sorted_and_down_if_any_check_is() {
        let mut e = Exposition::default();
        e.add(
            &check(
                "00000000-0000-4000-8000-000000000003",
                "a",
                "web prod",
                Status::Up,
            ),
            t0(),
        );
        e.add(
            &check(
                "00000000-0000-4000-8000-000000000004",
                "b",
                "prod db",
                Status::Down,
            ),
            t0(),
        );
        e.add(
            &check(
                "00000000-0000-4000-8000-000000000005",
                "c",
                "",
                Status::Paused,
            ),
            t0(),
        );
        let text = e.into_text();
        assert!(text.contains(
            "hc_tag_up{tag=\"db\"} 0\nhc_tag_up{tag=\"prod\"} 0\nhc_tag_up{tag=\"web\"} 1\n"
        ));
        assert!(text.contains("hc_checks_total 3\n"));
        assert!(text.contains("hc_checks_down_total 1\n"));
        let paused = text
            .lines()
            .filter(|l| l.starts_with("hc_check_paused{") && l.ends_with(" 1"));
        assert_eq!(paused.count(), 1);
    }

    #[test]
    fn many_checks_come_in_chunks_that_add_up() {
        let mut e = Exposition::default();
        for i in 0..3_000u128 {
            let uuid = Uuid::from_u128(i).to_string();
            e.add(&check(&uuid, &format!("check {i}"), "t", Status::Up), t0());
        }
        let mut whole = Exposition::default();
        for i in 0..3_000u128 {
            let uuid = Uuid::from_u128(i).to_string();
            whole.add(&check(&uuid, &format!("check {i}"), "t", Status::Up), t0());
        }
        let mut chunks = e.into_chunks();
        let mut joined = Vec::new();
        let mut count = 0;
        while let Some(chunk) = chunks.next_chunk() {
            count += 1;
            joined.extend_from_slice(&chunk);
        }
        assert!(count > 4, "{count} chunks");
        assert_eq!(String::from_utf8(joined).unwrap(), whole.into_text());
        assert!(chunks.next_chunk().is_none());
    }
}
