//! Why an OnCalendar schedule or its time zone was refused.

use std::fmt;

/// Why [`OnCalendarSchedule::new`](super::OnCalendarSchedule::new) refused a
/// schedule or its time zone. [`Display`](fmt::Display) names the part that
/// is wrong (the weekday, year, month, day, hour, minute or second, the
/// date, the time, the time zone, or the number of fields), the text at
/// fault and what is wrong with it; in a schedule of several lines, the
/// line too.
///
/// ```
/// use tower_ping::OnCalendarSchedule;
///
/// let error = OnCalendarSchedule::new("Mox 12:00", "UTC").unwrap_err();
/// assert_eq!(error.to_string(), r#"unknown weekday "Mox""#);
/// let error = OnCalendarSchedule::new("daily\n25:00", "UTC").unwrap_err();
/// assert_eq!(error.to_string(), "line 2: hour 25 is not in 0-23");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OnCalendarError {
    /// The 1-based line, when the schedule has several.
    line: Option<usize>,
    what: What,
}

/// The refusal itself; private so new kinds of refusal are not breaking.
#[derive(Debug, Clone, PartialEq, Eq)]
enum What {
    /// A line with nothing on it.
    NoFields,
    /// A field left over once the weekday, date and time are taken.
    TooManyFields(Box<str>),
    /// A time that is not `hh:mm` or `hh:mm:ss`.
    Time(Box<str>),
    /// A date that is not `month-day` or `year-month-day`.
    Date(Box<str>),
    Field {
        field: Field,
        /// The field's whole text, as written.
        text: Box<str>,
        problem: Problem,
    },
    UnknownZone(Box<str>),
}

/// The parts of a line, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Weekday,
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Weekday => "weekday",
            Field::Year => "year",
            Field::Month => "month",
            Field::Day => "day",
            Field::Hour => "hour",
            Field::Minute => "minute",
            Field::Second => "second",
        }
    }
}

/// What is wrong with one term of a field (a list item, a range's end, a
/// step), with the term as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Problem {
    /// A list with an empty item, or a range or step missing a side.
    Missing,
    NotANumber(Box<str>),
    UnknownWeekday(Box<str>),
    OutOfRange {
        term: Box<str>,
        min: u16,
        max: u16,
    },
    /// A range `a..b` with `b` before `a`, as written.
    Backwards(Box<str>),
    ZeroStep(Box<str>),
    /// `*` inside a list, range or step, or as a weekday.
    Star(Box<str>),
    /// `~n` with `n` over 28.
    TooFarFromEnd(Box<str>),
}

impl Problem {
    /// The term the problem is about, when it names one.
    fn term(&self) -> Option<&str> {
        match self {
            Problem::Missing => None,
            Problem::NotANumber(term)
            | Problem::UnknownWeekday(term)
            | Problem::OutOfRange { term, .. }
            | Problem::ZeroStep(term)
            | Problem::Star(term)
            | Problem::TooFarFromEnd(term)
            | Problem::Backwards(term) => Some(term),
        }
    }
}

impl OnCalendarError {
    pub(super) fn no_fields() -> Self {
        Self::new(What::NoFields)
    }

    pub(super) fn too_many_fields(extra: &str) -> Self {
        Self::new(What::TooManyFields(extra.into()))
    }

    pub(super) fn time(text: &str) -> Self {
        Self::new(What::Time(text.into()))
    }

    pub(super) fn date(text: &str) -> Self {
        Self::new(What::Date(text.into()))
    }

    pub(super) fn field(field: Field, text: &str, problem: Problem) -> Self {
        Self::new(What::Field {
            field,
            text: text.into(),
            problem,
        })
    }

    pub(super) fn unknown_zone(name: &str) -> Self {
        Self::new(What::UnknownZone(name.into()))
    }

    /// The same refusal, said of line `line` (1-based) of several.
    pub(super) fn on_line(self, line: usize) -> Self {
        OnCalendarError {
            line: Some(line),
            ..self
        }
    }

    fn new(what: What) -> Self {
        OnCalendarError { line: None, what }
    }
}

impl fmt::Display for OnCalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        match &self.what {
            What::NoFields => f.write_str("no fields: the line is empty"),
            What::TooManyFields(extra) => write!(
                f,
                "too many fields: {extra:?} is left over \
                 (expected [weekday] [date] [time] [time zone])"
            ),
            What::Time(text) => write!(f, "time {text:?} is not hh:mm or hh:mm:ss"),
            What::Date(text) => {
                write!(f, "date {text:?} is not month-day or year-month-day")
            }
            What::Field {
                field,
                text,
                problem,
            } => {
                let name = field.name();
                match problem {
                    Problem::Missing => return write!(f, "{name} {text:?}: a value is missing"),
                    Problem::NotANumber(term) => write!(f, "{name} {term:?} is not a number")?,
                    Problem::UnknownWeekday(term) => write!(f, "unknown weekday {term:?}")?,
                    Problem::OutOfRange { term, min, max } => {
                        write!(f, "{name} {term} is not in {min}-{max}")?;
                        if *field == Field::Year {
                            f.write_str(" (or 0-99 for 2000-2069 and 1970-1999)")?;
                        }
                    }
                    Problem::Backwards(range) => {
                        write!(f, "{name} range {range} ends before it starts")?;
                    }
                    Problem::ZeroStep(term) => write!(f, "{name} {term:?} has a step of 0")?,
                    Problem::Star(term) if *field == Field::Weekday => write!(
                        f,
                        "weekday {term:?}: * is no weekday (leave the weekday out for every day)"
                    )?,
                    Problem::Star(term) => write!(
                        f,
                        "{name} {term:?}: * stands alone, in no list, range or step"
                    )?,
                    Problem::TooFarFromEnd(term) => write!(
                        f,
                        "day ~{term}: counted from the month's end, a day goes up to ~28"
                    )?,
                }
                // A term that is the whole field (its `~` aside) needs no context.
                let whole = text.strip_prefix('~').unwrap_or(text);
                if problem.term().is_some_and(|term| term != whole) {
                    write!(f, " (in {text:?})")?;
                }
                Ok(())
            }
            What::UnknownZone(name) => write!(f, "unknown time zone {name:?}"),
        }
    }
}

impl std::error::Error for OnCalendarError {}
