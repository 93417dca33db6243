//! Helpers for checks that read run scripts line by line.

use annexa_model::Span;

use annexa_model::pipeline::{Job, Site, Step, StepAction};

use crate::check::PipelineCx;

/// One line of a run script, with where it is.
pub(crate) struct ScriptLine<'a> {
    pub job: &'a Job,
    pub step: &'a Step,
    pub site: &'a Site,
    pub line: &'a str,
}

/// Every line of every run script of the pipeline.
pub(crate) fn script_lines<'a>(
    cx: &'a PipelineCx<'a>,
) -> impl Iterator<Item = ScriptLine<'a>> + 'a {
    cx.pipeline.steps().flat_map(|(job, step)| {
        let (script, site) = match &step.action {
            StepAction::Run { script, site, .. } => (script.as_str(), Some(site)),
            _ => ("", None),
        };
        script.lines().filter_map(move |line| {
            Some(ScriptLine {
                job,
                step,
                site: site?,
                line,
            })
        })
    })
}

/// The span of `fragment` inside the element at `site` (falls back to the element).
pub(crate) fn span_of(source: &str, site: &Site, fragment: &str) -> Option<Span> {
    let s = site.span?;
    let hay = source.get(s.start..s.end)?;
    let i = hay.find(fragment.trim())?;
    Some(Span {
        start: s.start + i,
        end: s.start + i + fragment.trim().len(),
    })
}

/// Whether the pipeline has any run script.
pub(crate) fn has_scripts(cx: &PipelineCx<'_>) -> bool {
    cx.pipeline
        .steps()
        .any(|(_, s)| matches!(s.action, StepAction::Run { .. }))
}

/// Run a line-based script check: a `fail` for every line `detect` flags (located at the
/// fragment it returns), one file-level `pass` when scripts exist and none is flagged, and
/// `not-relevant` when there are no scripts.
pub(crate) fn line_check(
    cx: &PipelineCx<'_>,
    out: &mut crate::check::Sink,
    detect: fn(&str) -> Option<(String, String)>,
    clean: &str,
) {
    use annexa_model::Outcome;
    let mut failed = false;
    // Search each step's source from where the previous line was found, so a flagged line is
    // located at its own occurrence, not at an earlier identical fragment.
    let mut cursor: Option<(*const Site, usize)> = None;
    for l in script_lines(cx) {
        let from = match cursor {
            Some((site, at)) if std::ptr::eq(site, l.site) => at,
            _ => 0,
        };
        let line_at = l
            .site
            .span
            .and_then(|s| cx.source.get(s.start..s.end))
            .and_then(|hay| hay.get(from..)?.find(l.line.trim()).map(|i| from + i));
        cursor = Some((
            l.site as *const Site,
            line_at.map_or(from, |i| i + l.line.trim().len()),
        ));
        let Some((fragment, why)) = detect(l.line) else {
            continue;
        };
        failed = true;
        let span = match (l.site.span, line_at) {
            (Some(s), Some(at)) => {
                let line_start = s.start + at;
                cx.source
                    .get(line_start..s.end)
                    .and_then(|rest| rest.find(fragment.trim()))
                    .map(|i| Span {
                        start: line_start + i,
                        end: line_start + i + fragment.trim().len(),
                    })
            }
            _ => None,
        }
        .or_else(|| span_of(cx.source, l.site, &fragment));
        out.at_span(
            cx.file,
            l.site,
            span,
            Outcome::Fail,
            format!("step `{}` in job `{}` {why}", l.step.label(), l.job.id),
        );
    }
    if !failed {
        if has_scripts(cx) {
            out.file(cx.file, Outcome::Pass, clean);
        } else {
            out.file(cx.file, Outcome::NotRelevant, "no scripts");
        }
    }
}

/// The whitespace-separated words of a shell line (quotes stripped), for flag matching.
pub(crate) fn words(line: &str) -> Vec<&str> {
    line.split_whitespace()
        .map(|w| w.trim_matches(['"', '\'', ';']))
        .collect()
}
