//! Checks of pipeline variables that switch behaviour on (`ACTIONS_STEP_DEBUG: true`).

use annexa_model::Outcome;
use annexa_model::pipeline::Variable;

use crate::check::{PipelineCx, Sink};

/// One switch: which variables, which values turn it on, and what to say.
pub(crate) struct Switch {
    pub names: &'static [&'static str],
    pub on: &'static [&'static str],
    pub fail: fn(&Variable) -> String,
    pub pass: fn(&Variable) -> String,
    pub absent: &'static str,
}

/// A `fail` for every variable that switches it on, `pass` for those set otherwise, `unknown`
/// for those set at run time, `not-relevant` when none is set.
pub(crate) fn switch_check(cx: &PipelineCx<'_>, out: &mut Sink, switch: &Switch) {
    let mut any = false;
    for v in cx
        .pipeline
        .all_variables()
        .filter(|v| switch.names.iter().any(|n| n.eq_ignore_ascii_case(&v.name)))
    {
        any = true;
        let value = v.value.trim();
        if value.contains("${{") || value.starts_with('$') {
            out.at(
                cx.file,
                &v.site,
                Outcome::Unknown,
                format!(
                    "`{}` is set at run time (`{}`); its value cannot be read from the file",
                    v.name, v.value
                ),
            );
        } else if switch.on.iter().any(|on| on.eq_ignore_ascii_case(value)) {
            out.at(cx.file, &v.site, Outcome::Fail, (switch.fail)(v));
        } else {
            out.at(cx.file, &v.site, Outcome::Pass, (switch.pass)(v));
        }
    }
    if !any {
        out.file(cx.file, Outcome::NotRelevant, switch.absent);
    }
}
