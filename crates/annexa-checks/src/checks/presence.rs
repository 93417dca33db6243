//! Shared logic of the presence checks (SAST, SCA, secret scanning, SBOM, provenance): look
//! across a repository's pipelines for a category of security tooling in the pipelines that
//! matter, pass with the step that runs it, fail with what was found elsewhere.

use annexa_model::pipeline::{Event, Pipeline, ToolCategory};
use annexa_model::{Location, Outcome};

use crate::check::{RepoCx, Sink, labelled};

/// Which pipelines count for a presence check.
#[derive(Clone, Copy)]
pub(crate) enum Where {
    /// Pipelines that run on pull requests.
    PullRequests,
    /// Pipelines that run on pull requests or on a schedule.
    PullRequestsOrSchedule,
    /// Any pipeline.
    Anywhere,
    /// Pipelines that release or publish (release events, tag pushes, publish jobs).
    Releases,
}

impl Where {
    fn matches(self, p: &Pipeline) -> Option<String> {
        let trigger = |want: &dyn Fn(&Event) -> bool| {
            p.triggers
                .iter()
                .find(|t| want(&t.event))
                .map(|t| t.name.clone())
        };
        match self {
            Where::PullRequests => {
                trigger(&|e| matches!(e, Event::PullRequest | Event::PullRequestTarget))
            }
            Where::PullRequestsOrSchedule => trigger(&|e| {
                matches!(
                    e,
                    Event::PullRequest | Event::PullRequestTarget | Event::Schedule
                )
            }),
            Where::Anywhere => Some(
                p.triggers
                    .first()
                    .map_or_else(|| "its triggers".to_owned(), |t| t.name.clone()),
            ),
            Where::Releases => {
                if let Some(t) = p.triggers.iter().find(|t| t.release) {
                    Some(t.name.clone())
                } else {
                    p.jobs
                        .iter()
                        .find(|j| super::deploy_without_gate::deploys(j).is_some())
                        .map(|j| format!("the publishing job `{}`", j.id))
                }
            }
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Where::PullRequests => "a pull-request pipeline",
            Where::PullRequestsOrSchedule => "a pull-request or scheduled pipeline",
            Where::Anywhere => "a pipeline",
            Where::Releases => "a release pipeline",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Where::PullRequests => "on pull requests",
            Where::PullRequestsOrSchedule => "on pull requests or on a schedule",
            Where::Anywhere => "in any pipeline",
            Where::Releases => "in the release pipelines",
        }
    }
}

/// Run one presence check over a repository.
pub(crate) fn presence(cx: &RepoCx<'_>, out: &mut Sink, category: ToolCategory, scope: Where) {
    if cx.pipelines.is_empty() {
        out.repo(
            cx,
            Outcome::NotRelevant,
            "no pipelines in the repository",
            Vec::new(),
        );
        return;
    }
    let relevant: Vec<_> = cx
        .pipelines
        .iter()
        .filter_map(|(f, p)| scope.matches(p).map(|why| (f, p, why)))
        .collect();
    if relevant.is_empty() && matches!(scope, Where::Releases) {
        out.repo(
            cx,
            Outcome::NotRelevant,
            "no pipeline releases or publishes anything",
            Vec::new(),
        );
        return;
    }
    let mut found: Vec<(Location, &'static str, String)> = Vec::new();
    let mut elsewhere: Vec<Location> = Vec::new();
    for (file, p) in &cx.pipelines {
        let why = scope.matches(p);
        for (_, step) in p.steps() {
            let Some(tool) = step.tools.iter().find(|t| t.category == category) else {
                continue;
            };
            match &why {
                Some(w) => found.push((
                    file.location(&step.site),
                    tool.name,
                    format!("{} runs on {w} in {}", tool.name, file.path),
                )),
                None => elsewhere.push(labelled(
                    file.location(&step.site),
                    format!("{} runs here, not {}", tool.name, scope.describe()),
                )),
            }
        }
    }
    if found.is_empty() {
        let msg = if elsewhere.is_empty() {
            format!("no pipeline runs {}", category.as_str())
        } else {
            format!("{} runs, but not {}", category.as_str(), scope.describe())
        };
        // Point at where the tool does run (if anywhere), then at the pipelines that should
        // have run it, saying why they count.
        let mut locations = elsewhere;
        locations.extend(relevant.iter().map(|(f, _, why)| {
            labelled(
                f.location(&annexa_model::pipeline::Site::default()),
                format!("counts as {}: {why}", scope.noun()),
            )
        }));
        out.repo(cx, Outcome::Fail, msg, locations);
        return;
    }
    let (first, _, msg) = found.remove(0);
    let mut locs = vec![first];
    locs.extend(
        found
            .into_iter()
            .map(|(l, name, _)| labelled(l, format!("{name} also runs here"))),
    );
    out.repo(cx, Outcome::Pass, msg, locs);
}
