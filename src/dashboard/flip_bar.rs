//! A check's last days as spans of one status each, from its flips: what
//! the status page draws to scale as a bar. Pure: the window's end is the
//! `now` passed in.

use std::time::{Duration, SystemTime};

use crate::state::deadline::StatusAt;
use crate::state::flip::Flip;
use crate::state::status::{LiveStatus, Status};

/// How far back the bar reaches: seven days.
pub(crate) const WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// A stretch of time in one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) from: SystemTime,
    pub(crate) to: SystemTime,
    pub(crate) status: LiveStatus,
}

/// The spans of `since..now`, oldest first, adjacent, none empty.
///
/// `flips` are the check's flips in the window, oldest first; `stored` is
/// its stored status now and `live` how it stands at `now`. Before the
/// first flip the check was in that flip's old status (or, without flips,
/// in its stored status all along); a check that is down or in grace by
/// time, not yet flipped by the monitor, shows it from its deadline (or
/// its due time) on.
pub(crate) fn spans(
    since: SystemTime,
    now: SystemTime,
    flips: &[Flip],
    stored: Status,
    live: &StatusAt,
) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::with_capacity(flips.len() + 2);
    let mut push = |from: SystemTime, to: SystemTime, status: LiveStatus| {
        let (from, to) = (from.clamp(since, now), to.clamp(since, now));
        if from >= to {
            return;
        }
        match spans.last_mut() {
            Some(last) if last.status == status && last.to == from => last.to = to,
            _ => spans.push(Span { from, to, status }),
        }
    };
    let mut status = flips.first().map_or(stored, |flip| flip.old_status);
    let mut at = since;
    for flip in flips {
        push(at, flip.at, live_of(status));
        status = flip.new_status;
        at = at.max(flip.at);
    }
    // After the last flip: what time alone did since, which the monitor
    // has not recorded (yet).
    let turn = match live.status {
        LiveStatus::Down if status != Status::Down => live.alert_after,
        LiveStatus::Grace => live.next_ping,
        _ => None,
    };
    match turn {
        Some(turn) if turn > at => {
            push(at, turn, live_of(status));
            push(turn, now, live.status);
        }
        _ => push(at, now, live_of(status)),
    }
    spans
}

fn live_of(status: Status) -> LiveStatus {
    match status {
        Status::New => LiveStatus::New,
        Status::Up => LiveStatus::Up,
        Status::Down => LiveStatus::Down,
        Status::Paused => LiveStatus::Paused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::flip::FlipReason;

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000 + secs)
    }

    fn flip(old: Status, new: Status, at: u64) -> Flip {
        Flip::new(old, new, FlipReason::Success, t(at))
    }

    fn live(status: LiveStatus, next_ping: Option<u64>, alert_after: Option<u64>) -> StatusAt {
        StatusAt {
            status,
            started: false,
            next_ping: next_ping.map(t),
            alert_after: alert_after.map(t),
        }
    }

    fn shape(spans: &[Span]) -> Vec<(u64, u64, LiveStatus)> {
        let secs = |at: SystemTime| at.duration_since(t(0)).unwrap().as_secs();
        spans
            .iter()
            .map(|s| (secs(s.from), secs(s.to), s.status))
            .collect()
    }

    #[test]
    fn without_flips_one_span_of_the_stored_status() {
        let spans = spans(
            t(0),
            t(100),
            &[],
            Status::Up,
            &live(LiveStatus::Up, Some(150), Some(180)),
        );
        assert_eq!(shape(&spans), [(0, 100, LiveStatus::Up)]);
    }

    #[test]
    fn flips_cut_the_window_to_scale() {
        let flips = [
            flip(Status::Up, Status::Down, 30),
            flip(Status::Down, Status::Up, 45),
            flip(Status::Up, Status::Paused, 90),
        ];
        let spans = spans(
            t(0),
            t(100),
            &flips,
            Status::Paused,
            &live(LiveStatus::Paused, None, None),
        );
        assert_eq!(
            shape(&spans),
            [
                (0, 30, LiveStatus::Up),
                (30, 45, LiveStatus::Down),
                (45, 90, LiveStatus::Up),
                (90, 100, LiveStatus::Paused),
            ]
        );
    }

    #[test]
    fn down_by_time_shows_from_the_deadline() {
        let flips = [flip(Status::New, Status::Up, 10)];
        let spans = spans(
            t(0),
            t(100),
            &flips,
            Status::Up,
            &live(LiveStatus::Down, None, Some(70)),
        );
        assert_eq!(
            shape(&spans),
            [
                (0, 10, LiveStatus::New),
                (10, 70, LiveStatus::Up),
                (70, 100, LiveStatus::Down)
            ]
        );
    }

    #[test]
    fn grace_shows_from_the_due_time() {
        let spans = spans(
            t(0),
            t(100),
            &[],
            Status::Up,
            &live(LiveStatus::Grace, Some(80), Some(110)),
        );
        assert_eq!(
            shape(&spans),
            [(0, 80, LiveStatus::Up), (80, 100, LiveStatus::Grace)]
        );
    }

    #[test]
    fn the_same_status_twice_is_one_span() {
        let flips = [
            flip(Status::New, Status::Up, 20),
            flip(Status::Up, Status::Up, 40),
        ];
        let spans = spans(
            t(0),
            t(100),
            &flips,
            Status::Up,
            &live(LiveStatus::Up, None, None),
        );
        assert_eq!(
            shape(&spans),
            [(0, 20, LiveStatus::New), (20, 100, LiveStatus::Up)]
        );
    }
}
