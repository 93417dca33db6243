use annexa_model::{Outcome, Platform};
use annexa_platform::github::{ActionsPermissions, SelectedActions};
use annexa_platform::{Known, Source};

use crate::check::{Check, GithubOrgCx, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Reads which actions workflows may use (`allowed_actions` of `.../actions/permissions`) for
    /// the organisation and for each repository, and fails where it is `all`. At organisation
    /// level, a `selected` policy whose allowed patterns include a bare `*` counts as `all`.
    /// Where Actions are disabled the check passes.
    ///
    /// ## Why is this bad?
    /// An action runs with the job's token and secrets. If any action from any public
    /// repository may run, one `uses:` line added in a pull request brings unreviewed third-party
    /// code into the pipeline, and a compromised or typosquatted action reaches production
    /// credentials. An allow-list is the supplier control for CI code: evidence for A.5.21
    /// (ICT supply chain) and A.5.19 (supplier relationships).
    ///
    /// ## Example
    /// Organisation `acme` with "Allow all actions and reusable workflows".
    ///
    /// ## Fix
    /// Settings → Actions → General → Policies: "Allow enterprise, and select non-enterprise,
    /// actions and reusable workflows", allowing GitHub-owned actions and an explicit list of
    /// reviewed third-party actions (pinned by SHA where possible).
    pub struct ActionsAllowedUnrestricted {
        id: ActionsAllowedUnrestricted,
        summary: "any third-party action may run",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_21, A5_19],
    }
}

const POINTER: &str = "/allowed_actions";

/// A pattern that admits every action.
fn matches_all(p: &str) -> bool {
    matches!(p.trim(), "*" | "*/*" | "**" | "*@*" | "*/*@*")
}

/// Judge one level's Actions policy. `selected` is the organisation's allow-list when known
/// (repositories' own lists are not in the snapshot model).
fn judge(
    out: &mut Sink,
    host: &str,
    res: &str,
    whose: &str,
    known: &Known<ActionsPermissions>,
    selected: Option<&Known<SelectedActions>>,
) {
    let (ap, src) = match known {
        Known::Yes(ap, src) => (ap, src),
        unknown => {
            out.api_unknown(
                host,
                res,
                POINTER,
                &format!("which actions {whose} allows"),
                unknown,
            );
            return;
        }
    };
    let disabled = ap.enabled == Some(false) || ap.enabled_repositories.as_deref() == Some("none");
    if disabled {
        out.api(
            host,
            res,
            POINTER,
            Outcome::Pass,
            format!("Actions are disabled in {whose}"),
            &[src],
        );
        return;
    }
    let mut evidence: Vec<&Source> = vec![src];
    let (outcome, message) = match ap.allowed_actions.as_deref() {
        Some("all") => (
            Outcome::Fail,
            format!(
                "{whose} lets workflows use any action or reusable workflow from any public repository"
            ),
        ),
        Some("local_only") => (
            Outcome::Pass,
            format!("{whose} allows only actions and reusable workflows from its own organisation"),
        ),
        Some("selected") => match selected {
            Some(Known::Yes(sel, s)) => {
                evidence.push(s);
                let mut what = Vec::new();
                if sel.github_owned_allowed == Some(true) {
                    what.push("GitHub-owned actions".to_owned());
                }
                if sel.verified_allowed == Some(true) {
                    what.push("actions of verified creators".to_owned());
                }
                if !sel.patterns_allowed.is_empty() {
                    what.push(format!("the patterns {}", sel.patterns_allowed.join(", ")));
                }
                let what = if what.is_empty() {
                    "nothing beyond its own actions".to_owned()
                } else {
                    what.join(", ")
                };
                if let Some(p) = sel.patterns_allowed.iter().find(|p| matches_all(p)) {
                    (
                        Outcome::Fail,
                        format!(
                            "{whose} restricts actions to a selection, but its allowed pattern `{p}` admits every action"
                        ),
                    )
                } else {
                    (
                        Outcome::Pass,
                        format!("{whose} allows only selected actions: {what}"),
                    )
                }
            }
            // The allow-list could not be read, but the policy itself says not everything may
            // run; the patterns' breadth stays unjudged, as the message says.
            Some(Known::Unknown { .. }) | None => (
                Outcome::Pass,
                format!(
                    "{whose} allows only selected actions (the allow-list itself is not in the snapshot)"
                ),
            ),
        },
        Some(other) => (
            Outcome::Unknown,
            format!("cannot tell which actions {whose} allows: unrecognised policy `{other}`"),
        ),
        None => (
            Outcome::Unknown,
            format!(
                "cannot tell which actions {whose} allows: the answer has no `allowed_actions`"
            ),
        ),
    };
    out.api(host, res, POINTER, outcome, message, &evidence);
}

impl Check for ActionsAllowedUnrestricted {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let whose = format!("organisation `{}`", cx.org.login);
        judge(
            out,
            cx.host,
            &cx.resource(),
            &whose,
            &cx.org.actions_permissions,
            Some(&cx.org.selected_actions),
        );
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let whose = format!("`{}`", cx.repo.full_name);
        judge(
            out,
            cx.host,
            &cx.resource(),
            &whose,
            &cx.repo.actions_permissions,
            None,
        );
    }
}
