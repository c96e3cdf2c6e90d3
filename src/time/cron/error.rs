//! Why a cron expression or its time zone was refused.

use std::fmt;

/// Why [`CronSchedule::new`](super::CronSchedule::new) refused an expression
/// or a time zone. [`Display`](fmt::Display) names the culprit: the field and
/// its text, the term at fault and what is wrong with it.
///
/// ```
/// use tower_ping::CronSchedule;
///
/// let error = CronSchedule::new("61 * * * *", "UTC").unwrap_err();
/// assert_eq!(error.to_string(), r#"minute field "61": 61 is not in 0-59"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CronError {
    what: What,
}

/// The refusal itself; private so new kinds of refusal are not breaking.
#[derive(Debug, Clone, PartialEq, Eq)]
enum What {
    FieldCount(usize),
    Field {
        field: Field,
        text: Box<str>,
        problem: Problem,
    },
    NeverMatches {
        days: Box<str>,
        months: Box<str>,
    },
    UnknownZone(Box<str>),
}

/// The five fields, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl Field {
    pub(super) const ALL: [Field; 5] = [
        Field::Minute,
        Field::Hour,
        Field::DayOfMonth,
        Field::Month,
        Field::DayOfWeek,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Minute => "minute",
            Field::Hour => "hour",
            Field::DayOfMonth => "day-of-month",
            Field::Month => "month",
            Field::DayOfWeek => "day-of-week",
        }
    }
}

/// What is wrong inside one field. Terms are shown upper-cased, as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Problem {
    /// A list with an empty item, or a range or step missing a side.
    Empty,
    /// Neither a number nor a name this field knows.
    NotANumber(Box<str>),
    /// More digits than Python converts to an integer (4,300), which cronsim
    /// fails on.
    TooManyDigits,
    OutOfRange {
        value: Box<str>,
        min: u8,
        max: u8,
    },
    Backwards {
        start: u8,
        end: u8,
    },
    ZeroStep,
    /// `k` of `n#k` outside 1-5.
    BadNth(Box<str>),
    /// `L` in day of week not right after a lone number (`5L`).
    BadLast,
}

impl CronError {
    pub(super) fn field_count(found: usize) -> Self {
        CronError {
            what: What::FieldCount(found),
        }
    }

    pub(super) fn field(field: Field, text: &str, problem: Problem) -> Self {
        CronError {
            what: What::Field {
                field,
                text: text.into(),
                problem,
            },
        }
    }

    pub(super) fn never_matches(days: &str, months: &str) -> Self {
        CronError {
            what: What::NeverMatches {
                days: days.into(),
                months: months.into(),
            },
        }
    }

    pub(super) fn unknown_zone(name: &str) -> Self {
        CronError {
            what: What::UnknownZone(name.into()),
        }
    }
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.what {
            What::FieldCount(found) => write!(f, "expected 5 fields, found {found}"),
            What::Field {
                field,
                text,
                problem,
            } => write!(f, "{} field {text:?}: {problem}", field.name()),
            What::NeverMatches { days, months } => write!(
                f,
                "day-of-month field {days:?} can never match in month field {months:?}"
            ),
            What::UnknownZone(name) => write!(f, "unknown time zone {name:?}"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => f.write_str("a value is missing"),
            Problem::NotANumber(term) => write!(f, "{term:?} is not a number or a name"),
            Problem::TooManyDigits => f.write_str("a number has more than 4300 digits"),
            Problem::OutOfRange { value, min, max } => {
                write!(f, "{value} is not in {min}-{max}")
            }
            Problem::Backwards { start, end } => {
                write!(f, "the range {start}-{end} ends before it starts")
            }
            Problem::ZeroStep => f.write_str("a step of 0"),
            Problem::BadNth(k) => write!(f, "#{k}: the week must be 1-5"),
            Problem::BadLast => f.write_str("L must follow a lone day number 0-7, as in 5L"),
        }
    }
}

impl std::error::Error for CronError {}
