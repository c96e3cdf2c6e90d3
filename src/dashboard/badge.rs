//! What a badge says: the checks it counts, the state that makes of them,
//! and its JSON and Shields endpoint bodies. Pure: the statuses come in
//! computed at one moment.

use crate::state::status::LiveStatus;
use crate::store::badge_url::BadgeStates;

/// The state a badge shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadgeState {
    /// No check down (and, on a three-state badge, none late).
    Up,
    /// A check is in its grace time and none is down (three-state only).
    Late,
    /// A check is down.
    Down,
}

impl BadgeState {
    /// `up`, `late` or `down`: the badge's text.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BadgeState::Up => "up",
            BadgeState::Late => "late",
            BadgeState::Down => "down",
        }
    }

    /// The SVG badge's colour for the state, as healthchecks draws it.
    pub(crate) fn color(self) -> &'static str {
        match self {
            BadgeState::Up => "#4c1",
            BadgeState::Late => "#fe7d37",
            BadgeState::Down => "#e05d44",
        }
    }

    /// The Shields endpoint's colour name for the state.
    fn shields_color(self) -> &'static str {
        match self {
            BadgeState::Up => "success",
            BadgeState::Late => "important",
            BadgeState::Down => "critical",
        }
    }
}

/// The checks a badge counts: how many, how many in grace, how many down.
/// New, paused and running checks count as up, as in healthchecks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BadgeCount {
    pub(crate) total: u64,
    pub(crate) grace: u64,
    pub(crate) down: u64,
}

impl BadgeCount {
    /// Counts a check with status `status`.
    pub(crate) fn add(&mut self, status: LiveStatus) {
        self.total += 1;
        match status {
            LiveStatus::Grace => self.grace += 1,
            LiveStatus::Down => self.down += 1,
            LiveStatus::New | LiveStatus::Up | LiveStatus::Paused => {}
        }
    }

    /// The badge's state: down if any check is down; else late if any is
    /// in grace and the badge has three states; else up.
    pub(crate) fn state(&self, states: BadgeStates) -> BadgeState {
        if self.down > 0 {
            BadgeState::Down
        } else if self.grace > 0 && states == BadgeStates::Three {
            BadgeState::Late
        } else {
            BadgeState::Up
        }
    }

    /// The `.json` body: `{"status": ..., "total": ..., "grace": ...,
    /// "down": ...}`, with healthchecks' spacing. `grace` counts checks in
    /// grace on a two-state badge too.
    pub(crate) fn json(&self, states: BadgeStates) -> String {
        format!(
            "{{\"status\": \"{}\", \"total\": {}, \"grace\": {}, \"down\": {}}}",
            self.state(states).as_str(),
            self.total,
            self.grace,
            self.down
        )
    }

    /// The `.shields` body: a Shields.io endpoint badge labelled `label`.
    pub(crate) fn shields(&self, label: &str, states: BadgeStates) -> String {
        let state = self.state(states);
        format!(
            "{{\"schemaVersion\": 1, \"label\": {}, \"message\": \"{}\", \"color\": \"{}\"}}",
            json_string(label),
            state.as_str(),
            state.shields_color()
        )
    }
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    // Writing a string to JSON cannot fail.
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(statuses: &[LiveStatus]) -> BadgeCount {
        let mut count = BadgeCount::default();
        for &status in statuses {
            count.add(status);
        }
        count
    }

    #[test]
    fn down_wins_then_late_on_three_states_only() {
        use LiveStatus::*;
        let late = count(&[Up, Grace, New, Paused]);
        assert_eq!(late.state(BadgeStates::Three), BadgeState::Late);
        assert_eq!(late.state(BadgeStates::Two), BadgeState::Up);
        let down = count(&[Grace, Down, Up]);
        assert_eq!(down.state(BadgeStates::Three), BadgeState::Down);
        assert_eq!(down.state(BadgeStates::Two), BadgeState::Down);
        assert_eq!(count(&[]).state(BadgeStates::Three), BadgeState::Up);
        assert_eq!(
            count(&[New, Paused]).state(BadgeStates::Three),
            BadgeState::Up
        );
    }

    #[test]
    fn json_bodies_as_healthchecks_writes_them() {
        use LiveStatus::*;
        let prod = count(&[Up, Grace, Down]);
        assert_eq!(
            prod.json(BadgeStates::Two),
            r#"{"status": "down", "total": 3, "grace": 1, "down": 1}"#
        );
        let late = count(&[Grace]);
        assert_eq!(
            late.json(BadgeStates::Two),
            r#"{"status": "up", "total": 1, "grace": 1, "down": 0}"#
        );
        assert_eq!(
            late.shields("late", BadgeStates::Three),
            r#"{"schemaVersion": 1, "label": "late", "message": "late", "color": "important"}"#
        );
        assert_eq!(
            count(&[Up]).shields("Quote \" Back\\slash\nNewline", BadgeStates::Two),
            r#"{"schemaVersion": 1, "label": "Quote \" Back\\slash\nNewline", "message": "up", "color": "success"}"#
        );
        assert_eq!(
            prod.shields("prod", BadgeStates::Three),
            r#"{"schemaVersion": 1, "label": "prod", "message": "down", "color": "critical"}"#
        );
    }
}
