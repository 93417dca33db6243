//! Helpers platform checks share.

use annexa_model::Outcome;
use annexa_platform::{Known, Source, Tri};

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

/// The value a check needs, or — when the platform did not tell — an `unknown` observation at
/// `pointer` saying what cannot be decided, and `None`.
pub(crate) fn known_or_say<'a, T>(
    out: &mut Sink,
    host: &str,
    resource: &str,
    pointer: &str,
    decide: &str,
    what: &'a Known<T>,
) -> Option<(&'a T, &'a Source)> {
    match what {
        Known::Yes(v, s) => Some((v, s)),
        unknown => {
            out.api_unknown(host, resource, pointer, decide, unknown);
            None
        }
    }
}

/// When nothing is enforced on the default branch there is no protection to bypass: says so
/// (`not-relevant`; `unprotected-default-branch` reports the branch) and returns true.
pub(crate) fn nothing_to_bypass(cx: &GithubRepoCx<'_>, out: &mut Sink, pointer: &str) -> bool {
    let e = cx.effective;
    let Some(branch) = &e.branch else {
        return true;
    };
    if e.pull_request == Tri::No
        && e.force_push_blocked != Tri::Yes
        && e.deletion_blocked != Tri::Yes
    {
        let evidence: Vec<&Source> = e.sources.iter().collect();
        out.api(
            cx.host,
            &cx.resource(),
            pointer,
            Outcome::NotRelevant,
            format!("`{branch}`: no protection is enforced, so there is nothing to bypass"),
            &evidence,
        );
        return true;
    }
    false
}

/// The outcome of one population item: it passes without an exception; an exception fails it,
/// unless the exception is that its evidence could not be read (then it is `unknown`).
pub(crate) fn item_outcome(exception: Option<&str>, undecided: bool) -> Outcome {
    match (exception, undecided) {
        (None, _) => Outcome::Pass,
        (Some(_), true) => Outcome::Unknown,
        (Some(_), false) => Outcome::Fail,
    }
}
