//! Helpers for checks that read run scripts line by line.

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

/// Whether the pipeline has any run script.
pub(crate) fn has_scripts(cx: &PipelineCx<'_>) -> bool {
    cx.pipeline
        .steps()
        .any(|(_, s)| matches!(s.action, StepAction::Run { .. }))
}

/// Run a line-based script check: a `fail` for every line `detect` flags (located at the
/// fragment it returns, on that line), one file-level `pass` when scripts exist and none is
/// flagged, and `not-relevant` when there are no scripts.
pub(crate) fn line_check(
    cx: &PipelineCx<'_>,
    out: &mut crate::check::Sink,
    detect: fn(&str) -> Option<(String, String)>,
    clean: &str,
) {
    use annexa_model::Outcome;
    let mut failed = false;
    // Each step's source is searched from where the previous line was found, so a flagged
    // line is located at its own occurrence, not at an earlier identical fragment.
    let mut cursor: Option<(*const Site, usize)> = None;
    for l in script_lines(cx) {
        let from = match cursor {
            Some((site, at)) if std::ptr::eq(site, l.site) => at,
            _ => 0,
        };
        let site_start = l.site.span.map_or(0, |s| s.start);
        let line = l.site.find_span(cx.source_of(l.site), l.line, from);
        cursor = Some((
            l.site as *const Site,
            line.map_or(from, |s| s.end - site_start),
        ));
        let Some((fragment, why)) = detect(l.line) else {
            continue;
        };
        failed = true;
        let line_start = line.map_or(0, |s| s.start - site_start);
        let span = l
            .site
            .find_span(cx.source_of(l.site), &fragment, line_start);
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
