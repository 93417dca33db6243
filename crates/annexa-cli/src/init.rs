//! `annexa init` (scaffold `annexa.toml` and the ISMS policy templates) and `annexa policies`
//! (list the policies with their approval and review state).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use annexa_isms::{POLICY_DIR, load_policies, review, templates};
use anyhow::Context as _;

/// Write every template into `dir` (created if missing); an existing file is never
/// overwritten: it is skipped and reported.
pub fn init(dir: &Path) -> anyhow::Result<ExitCode> {
    let mut wrote = 0;
    let mut skipped = 0;
    let mut out = std::io::stdout().lock();
    for t in templates::ALL {
        let target = dir.join(t.path);
        if target.symlink_metadata().is_ok() {
            writeln!(out, "skipped {}: it already exists", target.display())?;
            skipped += 1;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        // create_new: a file that appeared since the check above is still not overwritten.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                writeln!(out, "skipped {}: it already exists", target.display())?;
                skipped += 1;
                continue;
            }
            Err(e) => {
                return Err(e).with_context(|| format!("creating {}", target.display()));
            }
        };
        file.write_all(t.text.as_bytes())
            .with_context(|| format!("writing {}", target.display()))?;
        writeln!(out, "wrote {}", target.display())?;
        wrote += 1;
    }
    writeln!(
        out,
        "{wrote} written, {skipped} skipped (existing files are never overwritten)"
    )?;
    if wrote > 0 {
        writeln!(
            out,
            "next: edit the policies (owner, rules), fill in `approver` and `approved-on` when \
             they are approved, then run `annexa policies` and `annexa scan`"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `YYYY-MM-DD` or an RFC 3339 time (its UTC date); default: today (UTC).
fn as_of_date(given: Option<&str>) -> anyhow::Result<jiff::civil::Date> {
    let Some(s) = given else {
        return Ok(jiff::tz::Offset::UTC
            .to_datetime(jiff::Timestamp::now())
            .date());
    };
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Ok(d);
    }
    let ts: jiff::Timestamp = s.parse().map_err(|e| {
        crate::usage(format!(
            "--as-of `{s}` is neither a date (YYYY-MM-DD) nor an RFC 3339 time: {e}"
        ))
    })?;
    Ok(jiff::tz::Offset::UTC.to_datetime(ts).date())
}

/// List the policies under `DIR/isms/policies`; exit 2 when any could not be parsed.
pub fn policies(dir: &Path, as_of: Option<&str>) -> anyhow::Result<ExitCode> {
    let as_of = as_of_date(as_of)?;
    let (policies, errors) = load_policies(&dir.join(POLICY_DIR));
    let mut out = std::io::stdout().lock();
    let (mut approved, mut overdue, mut cicd) = (0, 0, 0);
    for p in &policies {
        let state = review(p, as_of);
        approved += usize::from(state.approved);
        overdue += usize::from(state.overdue);
        cicd += usize::from(state.mentions_cicd);
        let approval = match (&p.approver, p.approved_on) {
            (Some(who), Some(on)) if state.approved => format!("yes, {on} by {who}"),
            _ => "no".to_string(),
        };
        let next = match state.next_review {
            Some(d) => format!("{d} (every {})", p.review_interval),
            None => format!("- (every {}, from approval)", p.review_interval),
        };
        let controls: Vec<&str> = p.controls.iter().map(|c| c.code()).collect();
        writeln!(out, "{}  {}  (version {})", p.id, p.title, p.version)?;
        writeln!(out, "  file:           {}", p.path.display())?;
        writeln!(out, "  owner:          {}", p.owner)?;
        writeln!(out, "  approved:       {approval}")?;
        writeln!(out, "  next review:    {next}")?;
        writeln!(
            out,
            "  overdue:        {}",
            if state.overdue { "YES" } else { "no" }
        )?;
        writeln!(out, "  controls:       {}", controls.join(", "))?;
        writeln!(
            out,
            "  mentions CI/CD: {}",
            if state.mentions_cicd { "yes" } else { "no" }
        )?;
    }
    writeln!(
        out,
        "{} policies as of {as_of}: {approved} approved, {overdue} overdue for review, \
         {cicd} mention CI/CD",
        policies.len()
    )?;
    drop(out);
    for e in &errors {
        eprintln!("annexa: error: {e}");
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
