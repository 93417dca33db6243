//! Helpers platform checks share.

use annexa_model::Outcome;
use annexa_platform::{Source, Tri};

use crate::check::{GithubRepoCx, Sink};

/// Judge one property of the default branch's effective protection: pass when it holds, fail
/// when it is known not to, unknown (with the reason) otherwise. Nothing when the default
/// branch itself is not known (`unprotected-default-branch` says so).
pub(crate) fn branch_property(
    cx: &GithubRepoCx<'_>,
    out: &mut Sink,
    pointer: &str,
    value: &Tri,
    holds: &str,
    fails: &str,
) {
    let e = cx.effective;
    let Some(branch) = &e.branch else {
        return;
    };
    let evidence: Vec<&Source> = e.sources.iter().collect();
    let res = cx.resource();
    let (outcome, message) = match value {
        Tri::Yes => (Outcome::Pass, format!("`{branch}`: {holds}")),
        Tri::No => (Outcome::Fail, format!("`{branch}`: {fails}")),
        Tri::Unknown(why) => (
            Outcome::Unknown,
            format!("`{branch}`: cannot tell: {why} ({})", e.gaps.join("; ")),
        ),
    };
    out.api(cx.host, &res, pointer, outcome, message, &evidence);
}
