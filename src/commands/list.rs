//! `aida list`: stored incidents, newest first.
use anyhow::Result;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use clap::{Args, ValueEnum};

use super::{Context, open_store};
use crate::exit::{Status, input_error};
use crate::output::{Format, print_json, print_text};
use crate::store::{IncidentFilter, IncidentStatus, IncidentSummary};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    /// Waiting for a webhook worker.
    Queued,
    /// Being investigated now.
    Running,
    /// Investigated: the report is stored.
    Done,
    /// Out of attempts (`aida retry ID` queues it again).
    Failed,
}

pub const EXAMPLES: &str = "\
Examples:
  # What needs attention
  aida list --status failed --since 24h

  aida list --alertname KubePodCrashLooping --limit 10
  aida list --since 2026-11-01 --format json
";

impl From<StatusArg> for IncidentStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Queued => IncidentStatus::Queued,
            StatusArg::Running => IncidentStatus::Running,
            StatusArg::Done => IncidentStatus::Done,
            StatusArg::Failed => IncidentStatus::Failed,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only incidents in this state (webhook incidents: their job's; others: their latest investigation's)
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// Only this alert
    #[arg(long, value_name = "NAME")]
    pub alertname: Option<String>,
    /// Only incidents created since WHEN: an age (30m, 24h, 7d, 2w), a date (2026-11-24) or an RFC 3339 time
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// At most N incidents
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `--since`: an age back from `now`, a date (midnight UTC) or an RFC 3339 time, as the store's
/// RFC 3339 UTC text.
pub(crate) fn parse_since(raw: &str, now: DateTime<Utc>) -> Result<String> {
    let text = raw.trim();
    let bad = || {
        input_error(format!(
            "--since {raw:?}: expected an age (30m, 24h, 7d, 2w), a date (2026-11-24) or an RFC 3339 time"
        ))
    };
    let when = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        t.with_timezone(&Utc)
    } else if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc()
    } else {
        let unit = text.chars().last().ok_or_else(bad)?;
        let n: i64 = text[..text.len() - unit.len_utf8()]
            .parse()
            .map_err(|_| bad())?;
        let seconds = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        let age = n
            .checked_mul(seconds)
            .and_then(chrono::Duration::try_seconds)
            .filter(|_| n >= 0)
            .ok_or_else(bad)?;
        now.checked_sub_signed(age).ok_or_else(bad)?
    };
    Ok(when.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub fn run(ctx: &Context, args: &ListArgs) -> Result<Status> {
    let filter = IncidentFilter {
        status: args.status.map(Into::into),
        alert_name: args.alertname.clone(),
        since: args
            .since
            .as_deref()
            .map(|s| parse_since(s, Utc::now()))
            .transpose()?,
        limit: Some(args.limit),
    };
    let store = open_store(ctx)?;
    let incidents = store.list_incidents(&filter)?;
    match args.format {
        Format::Json => print_json(&incidents)?,
        Format::Text if incidents.is_empty() => eprintln!("no incidents"),
        Format::Text => print_text(&table(&incidents))?,
    }
    Ok(Status::Success)
}

fn table(rows: &[IncidentSummary]) -> String {
    let header = [
        "INCIDENT",
        "STATUS",
        "ATTEMPTS",
        "CATEGORY",
        "FEEDBACK",
        "CREATED",
        "ALERT",
        "FINGERPRINT",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.incident_id.clone(),
                r.status.to_string(),
                r.attempts.to_string(),
                r.category.map_or("-".into(), |c| c.as_str().to_string()),
                r.feedback_status.clone().unwrap_or_else(|| "-".into()),
                r.created_at.clone(),
                r.alert_name.clone(),
                r.fingerprint.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |row: &[String]| {
        let mut text = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.push('\n');
        text
    };
    let mut out = line(&header.map(String::from));
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_ages_dates_and_times() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_since("24h", now).unwrap(), "2026-11-23T12:00:00.000Z");
        assert_eq!(parse_since("30m", now).unwrap(), "2026-11-24T11:30:00.000Z");
        assert_eq!(parse_since("2w", now).unwrap(), "2026-11-10T12:00:00.000Z");
        assert_eq!(
            parse_since("2026-11-01", now).unwrap(),
            "2026-11-01T00:00:00.000Z"
        );
        assert_eq!(
            parse_since("2026-11-24T10:00:00+02:00", now).unwrap(),
            "2026-11-24T08:00:00.000Z"
        );
        for bad in ["", "h", "yesterday", "-3d", "5y", "99999999999999d"] {
            let err = parse_since(bad, now).unwrap_err();
            assert!(crate::exit::is_input_error(&err), "{bad}");
        }
    }
}
