//! OSCAL 1.2.1 documents: Assessment Results of one run, the Statement of Applicability as a
//! System Security Plan, a Plan of Action and Milestones, and a component definition of the
//! check catalogue. Pure functions of the scan, its assessment and the ISMS view, written as
//! annexa's own types ([`model`]); each document is pretty JSON ending in a newline and valid
//! against the NIST JSON schemas `oscal_{assessment-results,ssp,poam,component}_schema.json`
//! of OSCAL 1.2.1 (tested, and loaded with compliance-trestle).
//!
//! # Honesty rules
//!
//! - A control is `satisfied` (AR finding) and `implemented` (SSP, AR) only when annexa's
//!   assessment says `implemented`, which a scan of files alone never reaches. `unknown`
//!   observations are never a pass.
//! - Suppression (inline, `--ignore`, baseline, policy) is shown as a prop and a remark on the
//!   observation; it never changes a status or removes an observation, a finding or a POA&M
//!   item.
//! - A finding is `deviation-approved` in the POA&M only through a risk acceptance that is
//!   active at the report's date; an expired acceptance leaves the finding `open`, one that is
//!   not applied (no approver, approval in the future ...) leaves it `deviation-requested`.
//!
//! # Identifiers
//!
//! Every `uuid` is a UUIDv5 under the fixed namespace [`NAMESPACE`]
//! (`2a10a11c-c230-41ec-a004-01feb24ee243`) of `"<kind>:<key>"`, so the same inputs give the
//! same ids and byte-identical documents:
//!
//! | object | kind | key |
//! |---|---|---|
//! | observation (AR and POA&M) | `observation` | check id, NUL, subject key (`repo:…@commit:path#route`, `api:…`, `isms:…`); the n-th repeat of the same pair (n ≥ 1) gets NUL n appended |
//! | AR finding | `finding` | control id (`A.8.32`) |
//! | document, AR result | `assessment-results`, `result`, `system-security-plan`, `plan-of-action-and-milestones`, `component-definition` | the run's as-of time |
//! | SSP requirement / by-component | `ssp-requirement`, `ssp-by-component` | control id |
//! | POA&M risk / item for a finding | `risk`, `poam-item` | the observation's key |
//! | POA&M risk / item for a potential nonconformity | `risk-nc`, `poam-item-nc` | the nonconformity id (`change-management/A.8.32`) |
//! | POA&M risk / item for a register risk | `risk-register`, `poam-item-register` | the risk id (`R01`) |
//! | corrective action (remediation, tasks) | `response`, `task` | the action id (`:due`, `:completed`) |
//! | subject component | `component` | `repo:<identity>`, `api:<host>/<repos/o/r or orgs/o …>`, `isms` |
//! | SSP components | `component` | `this-system`, `repo:<identity>`, `snapshot:<folder>` |
//! | back-matter resource of an input | `resource` | `file:<identity>` NUL `<path as shown>`, `snapshot:<folder>`, `api:<folder>` NUL `<API resource>` |
//! | placeholder resources | `resource` | [`ISO_RESOURCE`], [`PLAN_RESOURCE`] |
//! | the system (SSP `system-ids`, POA&M `system-id`) | `system` | the scope statement (empty when not stated) |
//!
//! Observations and findings are keyed without the run's time on purpose: the same check on
//! the same subject keeps its UUID from run to run (OSCAL's "per-subject" identity), which is
//! what run-to-run comparison needs; each run's document and result UUIDs are new.
//!
//! # Placeholders
//!
//! OSCAL documents import others by `href`. annexa publishes no OSCAL catalog, profile or
//! assessment plan (the standard's text is copyrighted; the plan is the check catalogue), so
//! the imports point at back-matter resources of the same document, with fixed UUIDs:
//!
//! - [`ISO_RESOURCE`] — "ISO/IEC 27001:2022 Annex A", a citation of the standard with a link to
//!   its ISO page: `import-profile` of the SSP and `source` of the component definition's
//!   control implementation. Control ids are the standard's own (`A.5.1` … `A.8.34`), used as
//!   OSCAL `control-id` tokens as they are written.
//! - [`PLAN_RESOURCE`] — "annexa assessment plan (implicit)": `import-ap` of the Assessment
//!   Results; the plan is to run annexa's check catalogue (the component definition) over the
//!   inputs the result lists, with the configuration given.
//!
//! # Mapping
//!
//! **Assessment Results** (one `result` per run): `start` is the reporting period's first day
//! (00:00:00Z) when `--period` is given, else the as-of time; `end` the period's last day
//! (23:59:59Z). `reviewed-controls` includes all 93 controls. `local-definitions` holds one
//! component per subject source (a repository, a platform organisation / repository, the ISMS
//! records) and annexa as the assessment platform that is every observation's origin.
//!
//! - one `observation` per check execution (every observation of the scan: pass, fail,
//!   unknown and not-relevant): title check and outcome, description the message, props
//!   `check`, `outcome`, `severity`, `confidence`, `provenance`, `fingerprint`, `control`
//!   (repeated), `suppression` / `suppression-reason`; method `EXAMINE`; type `finding` for a
//!   fail; the subject as a component reference with the subject key (title and prop
//!   `subject-key`); `collected` the snapshot's collection time for platform state, else the
//!   as-of time; one `relevant-evidence` per location, pointing at the back-matter resource of
//!   the input (repository file, or platform API resource of a snapshot) whose `rlinks` carry
//!   the SHA-256 the scan read, also given as prop `sha256`, with path:line:column and the
//!   semantic route (or the API resource, HTTP status and ETag) in the description. The
//!   snapshot manifests (`snapshot.json`, with their SHA-256) and every file the scan read are
//!   back-matter resources too.
//! - one `finding` per Annex A control (all 93): target `objective-id` = the control id;
//!   `status.state` `satisfied` only for `implemented`, otherwise `not-satisfied` (reason
//!   `pass` / `fail` / `other`); `implementation-status` from [`implementation_state`]; props
//!   `annexa-status`, `soa-decision`, `design`, `operation`, `attestation` (a level, or
//!   `not-required` when the control has no requirement of that kind); the dimensions and
//!   their reasons in the description; related observations are those of the checks that give
//!   evidence for the control (not-relevant ones left out).
//!
//! **SSP**: metadata `version` is the SoA version ("not stated" without one), with props
//! `soa-version`, `soa-approver`, `soa-approved-on` and the approver as a party with the
//! `approver` role. `system-characteristics` come from the scope statement (4.3) — "not
//! stated" when annexa.toml has none — and the scope reconciliation (in scope, out of scope
//! with its reason, undeclared) is the authorization boundary. System components: the ISMS
//! scope (`this-system`) and each repository and snapshot the run examined. One
//! `implemented-requirement` per Annex A control (all 93, as the imported baseline lists them):
//! props `soa-decision` (`applicable`, `excluded`, `undeclared`), `annexa-status` and the
//! dimension levels; remarks the reason for inclusion or justification for exclusion;
//! `by-components` (the ISMS scope) with the SoA's implementation notes and the
//! `implementation-status` from the assessment (excluded → `not-applicable` with the
//! justification).
//!
//! **POA&M**: `system-id` as in the SSP. Observations: every failing observation (same UUIDs as
//! in the AR). Risks and items:
//! - each failing observation (suppressed ones too) is a risk with a POA&M item: `open`, or
//!   `deviation-approved` while an active acceptance covers it (props `acceptance`,
//!   `acceptance-status`, `risk-owner`, `approver`, `approved-on`, `expires`; `deadline` the
//!   expiry day's end), `open` again once it expired, `deviation-requested` while the
//!   acceptance is not applied;
//! - each potential nonconformity is a risk and an item (requirement, indicative grade and its
//!   basis, objective evidence), its corrective actions the risk's `remediations`
//!   (`lifecycle` `completed` once the owner records completion, else `planned`; a task from
//!   raised-on to due, a milestone on completion; props owner, status, clean runs) and the risk
//!   `remediating` while an action is open, `open` when none exists or it proved not
//!   effective; actions for a nonconformity no longer raised give a risk `closed` once
//!   verified effective, else `remediating`;
//! - each applicable risk of the register is a risk and an item (`open`: the register has no
//!   closure), with the owner's likelihood, impact, score, treatment and residual sign-off,
//!   and the likelihood open findings *propose* beside the owner's;
//! - acceptances that match no finding and starter risks nobody assessed are named in the
//!   metadata remarks.
//!
//! **Component definition**: one component, "annexa checks" (`software`), with one control
//! implementation (source: the ISO placeholder) whose implemented requirements are the controls
//! at least one check gives evidence for, each listing the checks (prop `check`, class `design`
//! or `operation`) — evidence for the control, not an implementation of it.
//!
//! Dates written as days (`YYYY-MM-DD`: the reporting period, acceptance expiry, corrective
//! actions' raised-on, due and completion dates) become OSCAL date-times in UTC: a start or a
//! point at 00:00:00Z, an end or deadline at 23:59:59Z; every day is also kept as written in a
//! prop. Other times (as-of, snapshot collection) are normalised to UTC.

mod ar;
mod component;
pub mod model;
mod poam;
mod ssp;

use std::collections::{BTreeMap, BTreeSet};

use annexa_assess::isms::IsmsView;
use annexa_engine::ScanResult;
use annexa_engine::SnapshotSummary;
use annexa_model::status::{Declared, Overall};
use annexa_model::{Location, Observation, Outcome, SubjectKey};
use serde::Serialize;
use uuid::Uuid;

use crate::ReportInput;
use model::{
    Actor, BackMatter, Citation, Hash, ImplementationStatus, Origin, Prop, RelevantEvidence,
    Resource, Rlink, Status, SubjectReference, SystemComponent,
};

/// The namespace of every UUIDv5 annexa writes in OSCAL documents. Never change it: ids would
/// no longer match across runs.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x2a10a11c_c230_41ec_a004_01feb24ee243);

/// The OSCAL version the documents conform to.
pub const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of annexa's props.
pub const NS: &str = "https://annexa.dev/ns/oscal";

/// The back-matter resource standing for ISO/IEC 27001:2022 Annex A (catalog and profile).
pub const ISO_RESOURCE: &str = "iso-iec-27001-2022-annex-a";

/// The back-matter resource standing for annexa's implicit assessment plan.
pub const PLAN_RESOURCE: &str = "annexa-assessment-plan";

/// Assessment Results for this run (JSON text).
pub fn assessment_results(input: &ReportInput<'_>, isms: &IsmsView) -> String {
    to_json(&ar::build(input, isms))
}

/// System Security Plan: the SoA as control implementations (JSON text).
pub fn ssp(input: &ReportInput<'_>, isms: &IsmsView) -> String {
    to_json(&ssp::build(input, isms))
}

/// Plan of Action and Milestones: open findings, risks, acceptances, corrective actions.
pub fn poam(input: &ReportInput<'_>, isms: &IsmsView) -> String {
    to_json(&poam::build(input, isms))
}

/// Component definition of the check catalogue (JSON text).
pub fn component_definition(input: &ReportInput<'_>) -> String {
    to_json(&component::build(input))
}

/// [`assessment_results`] written straight to `w` (the document can be large: one observation
/// per check execution), without holding its text in memory.
pub fn write_assessment_results(
    input: &ReportInput<'_>,
    isms: &IsmsView,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(w);
    serde_json::to_writer_pretty(&mut w, &ar::build(input, isms))?;
    std::io::Write::write_all(&mut w, b"\n")?;
    std::io::Write::flush(&mut w)
}

fn to_json<T: Serialize>(doc: &T) -> String {
    let mut s = serde_json::to_string_pretty(doc).expect("OSCAL types always serialise");
    s.push('\n');
    s
}

/// The UUIDv5 of `kind:key` under [`NAMESPACE`].
pub fn uuid(kind: &str, key: &str) -> String {
    Uuid::new_v5(&NAMESPACE, format!("{kind}:{key}").as_bytes()).to_string()
}

/// How a control's overall status is written as an OSCAL implementation state. OSCAL's own
/// values are used where they mean the same (`implemented`, `partial`, `not-applicable` for an
/// excluded control); `not-implemented` and `not-assessed` are annexa's words (OSCAL allows
/// other tokens), never `planned`, which would claim a plan nobody recorded.
pub fn implementation_state(o: Overall) -> &'static str {
    match o {
        Overall::Implemented => "implemented",
        Overall::Partial => "partial",
        Overall::Excluded => "not-applicable",
        Overall::NotImplemented => "not-implemented",
        Overall::NotAssessed => "not-assessed",
    }
}

pub(crate) fn declared_str(d: Declared) -> &'static str {
    match d {
        Declared::Applicable => "applicable",
        Declared::Excluded => "excluded",
        Declared::Undeclared => "undeclared",
    }
}

/// One line of text: whitespace runs (newlines included) become one space, trimmed (OSCAL
/// strings and markup lines allow neither newlines nor leading or trailing whitespace).
pub(crate) fn line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One line, or `fallback` when nothing is left.
pub(crate) fn line_or(s: &str, fallback: &str) -> String {
    let l = line(s);
    if l.is_empty() { fallback.to_owned() } else { l }
}

/// Multi-line text, trimmed, or `fallback` when empty.
pub(crate) fn text_or(s: &str, fallback: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        fallback.to_owned()
    } else {
        t.to_owned()
    }
}

/// Props in annexa's namespace; values are made one line and empty ones left out.
#[derive(Default)]
pub(crate) struct Props(pub Vec<Prop>);

impl Props {
    pub fn add(&mut self, name: &'static str, value: impl AsRef<str>) -> &mut Self {
        self.add_class(name, value, None)
    }

    pub fn add_class(
        &mut self,
        name: &'static str,
        value: impl AsRef<str>,
        class: Option<&'static str>,
    ) -> &mut Self {
        let value = line(value.as_ref());
        if !value.is_empty() {
            self.0.push(Prop {
                name,
                ns: NS,
                value,
                class,
            });
        }
        self
    }

    pub fn opt(&mut self, name: &'static str, value: Option<impl AsRef<str>>) -> &mut Self {
        if let Some(v) = value {
            self.add(name, v);
        }
        self
    }

    pub fn done(&mut self) -> Vec<Prop> {
        std::mem::take(&mut self.0)
    }
}

/// An RFC 3339 time as OSCAL wants it (UTC, years 1900–2999), or `None`.
pub(crate) fn timestamp(s: &str) -> Option<String> {
    let ts: jiff::Timestamp = s.trim().parse().ok()?;
    // 1900-01-01T00:00:00Z ..= 2999-12-31T23:59:59Z
    (-2_208_988_800..32_503_680_000)
        .contains(&ts.as_second())
        .then(|| ts.to_string())
}

fn day(date: &str) -> Option<jiff::civil::Date> {
    let d: jiff::civil::Date = date.trim().parse().ok()?;
    (1900..=2999).contains(&d.year()).then_some(d)
}

/// A day's start in UTC as an OSCAL date-time.
pub(crate) fn day_start(date: &str) -> Option<String> {
    day(date).map(|d| format!("{d}T00:00:00Z"))
}

/// A day's end in UTC as an OSCAL date-time.
pub(crate) fn day_end(date: &str) -> Option<String> {
    day(date).map(|d| format!("{d}T23:59:59Z"))
}

/// The as-of time as an OSCAL date-time.
pub(crate) fn as_of(input: &ReportInput<'_>) -> String {
    timestamp(input.as_of).unwrap_or_else(|| input.as_of.to_owned())
}

/// The key each observation's UUID derives from (check, subject, and the repeat count when the
/// same check saw the same subject more than once), index-aligned with `scan.observations`.
pub(crate) fn observation_keys(scan: &ScanResult) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    scan.observations
        .iter()
        .map(|o| {
            let base = format!("{}\u{0}{}", o.check.as_str(), o.subject);
            let n = seen.entry(base.clone()).or_insert(0);
            let key = if *n == 0 {
                base
            } else {
                format!("{base}\u{0}{n}")
            };
            *n += 1;
            key
        })
        .collect()
}

/// The placeholder resources the imports point at.
pub(crate) fn iso_resource() -> Resource {
    Resource {
        uuid: uuid("resource", ISO_RESOURCE),
        title: "ISO/IEC 27001:2022 Annex A (placeholder for a catalog and profile)".to_owned(),
        description: Some(
            "The 93 information security controls of ISO/IEC 27001:2022 Annex A. annexa ships only \
             their ids and short titles (the standard's text is copyrighted) and publishes no \
             OSCAL catalog or profile: this resource stands for both. Control ids are written as \
             the standard writes them (`A.5.1` … `A.8.34`)."
                .to_owned(),
        ),
        props: Vec::new(),
        citation: Some(Citation {
            text: "ISO/IEC 27001:2022, Information security, cybersecurity and privacy protection — \
                   Information security management systems — Requirements, Annex A"
                .to_owned(),
        }),
        rlinks: vec![Rlink {
            href: "https://www.iso.org/standard/27001".to_owned(),
            media_type: Some("text/html"),
            hashes: Vec::new(),
        }],
        remarks: None,
    }
}

pub(crate) fn plan_resource() -> Resource {
    Resource {
        uuid: uuid("resource", PLAN_RESOURCE),
        title: "annexa assessment plan (implicit; placeholder for an OSCAL assessment plan)"
            .to_owned(),
        description: Some(
            "annexa publishes no OSCAL assessment plan. The plan is implicit: run annexa's check \
             catalogue (its OSCAL component definition, `annexa report --format oscal-component`) \
             over the repositories and platform snapshots the result lists, with the organisation's \
             annexa.toml, and derive each control's status from its evidence requirements."
                .to_owned(),
        ),
        props: Vec::new(),
        citation: None,
        rlinks: Vec::new(),
        remarks: None,
    }
}

pub(crate) fn href_to(resource_kind_key: &str) -> String {
    format!("#{}", uuid("resource", resource_kind_key))
}

/// Percent-encode what a URI reference may not contain (keeps `%XX` escapes already there);
/// `in_path` also encodes `?` and `#`, which would start a query or fragment in a file path.
pub(crate) fn encode_uri(s: &str, in_path: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    for (i, &b) in bytes.iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=:@".contains(&b)
            || (!in_path && b == b'?')
            || (b == b'%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // A relative path whose first segment has a colon would read as a scheme.
    if in_path && out.split('/').next().is_some_and(|seg| seg.contains(':')) {
        out.insert_str(0, "./");
    }
    out
}

/// Builds the components subjects refer to, and the back-matter resources evidence points at.
pub(crate) struct Inputs<'a> {
    input: &'a ReportInput<'a>,
    resources: Vec<Resource>,
    resource_ids: BTreeSet<String>,
    components: Vec<SystemComponent>,
    component_ids: BTreeSet<String>,
}

/// The annexa run as the origin of observations.
pub(crate) fn platform_uuid() -> String {
    uuid("assessment-platform", "annexa")
}

impl<'a> Inputs<'a> {
    pub fn new(input: &'a ReportInput<'a>) -> Inputs<'a> {
        Inputs {
            input,
            resources: Vec::new(),
            resource_ids: BTreeSet::new(),
            components: Vec::new(),
            component_ids: BTreeSet::new(),
        }
    }

    fn push_resource(&mut self, r: Resource) -> String {
        let id = r.uuid.clone();
        if self.resource_ids.insert(id.clone()) {
            self.resources.push(r);
        }
        id
    }

    /// Every file the scan read and every snapshot manifest, with their SHA-256.
    pub fn add_all_inputs(&mut self) {
        let scan = self.input.scan;
        for f in &scan.files {
            self.file_resource(f.repo, &f.path);
        }
        for s in &scan.snapshots {
            self.snapshot_resource(s);
        }
    }

    fn file_resource(&mut self, repo: u32, path: &str) -> (String, Option<String>) {
        let scan = self.input.scan;
        let display = crate::display_path(scan, repo, path);
        let identity = scan
            .repositories
            .get(repo as usize)
            .map(|r| r.identity.to_string())
            .unwrap_or_default();
        let file = scan.file(repo, path);
        let sha = file.and_then(|f| f.sha256.clone());
        let id = uuid("resource", &format!("file:{identity}\u{0}{display}"));
        if self.resource_ids.contains(&id) {
            return (id, sha);
        }
        let mut props = Props::default();
        props.add("repository", &identity);
        props.add("path", path);
        if let Some(f) = file {
            props
                .add("file-kind", f.kind.as_str())
                .add("file-status", f.status.as_str())
                .add("provenance", f.provenance.as_str());
        }
        let r = Resource {
            uuid: id,
            title: line_or(&display, "(repository root)"),
            description: Some(match file {
                Some(f) => format!(
                    "Repository file read by the scan ({}, {}, provenance `{}`).",
                    f.kind.as_str(),
                    f.status.as_str(),
                    f.provenance.as_str()
                ),
                None => "A repository path named by an observation (not a file the scan read)."
                    .to_owned(),
            }),
            props: props.done(),
            citation: None,
            rlinks: vec![Rlink {
                href: encode_uri(if display.is_empty() { "." } else { &display }, true),
                media_type: None,
                hashes: sha
                    .iter()
                    .map(|h| Hash {
                        algorithm: "SHA-256",
                        value: h.clone(),
                    })
                    .collect(),
            }],
            remarks: None,
        };
        (self.push_resource(r), sha)
    }

    fn snapshot_resource(&mut self, s: &SnapshotSummary) -> String {
        let m = &s.manifest;
        let mut props = Props::default();
        props
            .add("platform-host", &m.host)
            .add("collected-at", &m.collected_at)
            .add("complete", if m.complete { "true" } else { "false" })
            .add("synthetic", if m.synthetic { "true" } else { "false" })
            .add("hand-edited-resources", s.edited.len().to_string());
        let manifest = format!("{}/snapshot.json", s.display.trim_end_matches('/'));
        let r = Resource {
            uuid: uuid("resource", &format!("snapshot:{}", s.display)),
            title: line_or(
                &format!("Platform snapshot {}", s.display),
                "Platform snapshot",
            ),
            description: Some(format!(
                "The manifest of a platform snapshot of {} ({}), collected at {}; it lists the \
                 SHA-256 of every stored API response.{}{}",
                m.host,
                m.base_url,
                m.collected_at,
                if m.synthetic {
                    " Built from a description, not collected: never system evidence."
                } else {
                    ""
                },
                if s.edited.is_empty() {
                    String::new()
                } else {
                    format!(
                        " {} resource(s) were changed by hand after collection: never system evidence.",
                        s.edited.len()
                    )
                }
            )),
            props: props.done(),
            citation: None,
            rlinks: vec![Rlink {
                href: encode_uri(&manifest, true),
                media_type: Some("application/json"),
                hashes: vec![Hash {
                    algorithm: "SHA-256",
                    value: s.manifest_sha256.clone(),
                }],
            }],
            remarks: None,
        };
        self.push_resource(r)
    }

    /// The snapshot a platform location of `o` was read from.
    fn snapshot_of(&self, o: &Observation, resource: &str) -> Option<&'a SnapshotSummary> {
        let snaps = &self.input.scan.snapshots;
        let host = match &o.subject {
            SubjectKey::Api { host, .. } => Some(host.as_str()),
            _ => None,
        };
        snaps
            .iter()
            .find(|s| {
                s.manifest.resources.contains_key(resource)
                    && host.is_none_or(|h| s.manifest.host.eq_ignore_ascii_case(h))
            })
            .or_else(|| {
                snaps
                    .iter()
                    .find(|s| s.manifest.resources.contains_key(resource))
            })
    }

    /// The time the evidence of `o` was collected: the snapshot's collection time for platform
    /// state, else the as-of time.
    pub fn collected(&self, o: &Observation) -> String {
        if let SubjectKey::Api { host, .. } = &o.subject
            && let Some(s) = self
                .input
                .scan
                .snapshots
                .iter()
                .find(|s| s.manifest.host.eq_ignore_ascii_case(host))
            && let Some(t) = timestamp(&s.manifest.collected_at)
        {
            return t;
        }
        as_of(self.input)
    }

    /// One `relevant-evidence` per location of `o`.
    pub fn evidence(&mut self, o: &Observation) -> Vec<RelevantEvidence> {
        let scan = self.input.scan;
        let mut out = Vec::new();
        for l in &o.locations {
            match l {
                Location::File(f) => {
                    let (id, sha) = self.file_resource(f.repo, &f.path);
                    let mut d = crate::display_path(scan, f.repo, &f.path);
                    if let Some(r) = crate::resolve(scan, l)
                        && let Some((line_no, col)) = r.start
                    {
                        d.push_str(&format!(":{line_no}:{col}"));
                    }
                    if !f.route.is_root() {
                        d.push_str(&format!(" `{}`", f.route));
                    }
                    if let Some(label) = &f.label {
                        d.push_str(&format!(" ({label})"));
                    }
                    for v in &f.via {
                        d.push_str(&format!(", {} {}", v.kind.as_str(), v.path));
                    }
                    let mut props = Props::default();
                    props.opt("sha256", sha.as_deref());
                    out.push(RelevantEvidence {
                        href: Some(format!("#{id}")),
                        description: text_or(&d, "repository file"),
                        props: props.done(),
                    });
                }
                Location::Api {
                    resource,
                    pointer,
                    status,
                    etag,
                } => {
                    let mut d = format!("GET {resource} → HTTP {status}");
                    if let Some(e) = etag {
                        d.push_str(&format!(", ETag {e}"));
                    }
                    if !pointer.is_empty() {
                        d.push_str(&format!(", at `{pointer}`"));
                    }
                    let mut props = Props::default();
                    let href = match self.snapshot_of(o, resource) {
                        Some(s) => {
                            let meta = &s.manifest.resources[resource];
                            props.add("sha256", &meta.sha256);
                            props.add("fetched-at", &meta.fetched_at);
                            d.push_str(&format!(" (snapshot {})", s.display));
                            let snapshot = self.snapshot_resource(s);
                            let r = Resource {
                                uuid: uuid(
                                    "resource",
                                    &format!("api:{}\u{0}{resource}", s.display),
                                ),
                                title: line_or(&format!("GET {resource}"), "API resource"),
                                description: Some(format!(
                                    "Platform API response stored in snapshot {} (HTTP {}, fetched at {}); its SHA-256 is listed in the snapshot's manifest (resource {snapshot}).",
                                    s.display, meta.status, meta.fetched_at
                                )),
                                props: Vec::new(),
                                citation: None,
                                rlinks: vec![Rlink {
                                    href: encode_uri(
                                        &format!(
                                            "{}{resource}",
                                            s.manifest.base_url.trim_end_matches('/')
                                        ),
                                        false,
                                    ),
                                    media_type: Some("application/json"),
                                    hashes: vec![Hash {
                                        algorithm: "SHA-256",
                                        value: meta.sha256.clone(),
                                    }],
                                }],
                                remarks: None,
                            };
                            Some(format!("#{}", self.push_resource(r)))
                        }
                        None => None,
                    };
                    out.push(RelevantEvidence {
                        href,
                        description: line_or(&d, "platform API resource"),
                        props: props.done(),
                    });
                }
                Location::Record { id } => out.push(RelevantEvidence {
                    href: None,
                    description: line_or(&format!("record {id}"), "record"),
                    props: Vec::new(),
                }),
            }
        }
        out
    }

    /// The component an observation's subject belongs to (a repository, a platform
    /// organisation or repository, the ISMS records), defined once.
    pub fn subject(&mut self, o: &Observation) -> SubjectReference {
        let (key, kind, title, description) = match &o.subject {
            SubjectKey::Repo { repo, .. } => {
                let shown = self
                    .input
                    .scan
                    .repositories
                    .iter()
                    .find(|r| &r.identity == repo)
                    .map(|r| r.display.clone());
                (
                    format!("repo:{repo}"),
                    "software",
                    format!("Repository {repo}"),
                    match shown {
                        Some(d) => format!("The repository scanned at `{d}`."),
                        None => "A repository named by an observation.".to_owned(),
                    },
                )
            }
            SubjectKey::Api { host, resource, .. } => {
                let scope = api_scope(resource);
                (
                    format!("api:{host}/{scope}"),
                    "service",
                    format!("Platform state {host}/{scope}"),
                    format!("Platform state of `{scope}` on {host}, read from a snapshot."),
                )
            }
            SubjectKey::Isms { .. } => (
                "isms".to_owned(),
                "plan",
                "ISMS records".to_owned(),
                "The organisation's ISMS records (annexa.toml, policies, attestations).".to_owned(),
            ),
        };
        let id = uuid("component", &key);
        if self.component_ids.insert(id.clone()) {
            self.components.push(SystemComponent {
                uuid: id.clone(),
                kind,
                title: line_or(&title, "subject"),
                description,
                props: Vec::new(),
                status: Status {
                    state: "other",
                    remarks: Some("annexa does not record a lifecycle state.".to_owned()),
                },
                remarks: None,
            });
        }
        let subject = o.subject.to_string();
        let mut props = Props::default();
        props.add("subject-key", &subject);
        SubjectReference {
            subject_uuid: id,
            kind: "component",
            title: line_or(&subject, "subject"),
            props: props.done(),
        }
    }

    pub fn take_components(&mut self) -> Vec<SystemComponent> {
        std::mem::take(&mut self.components)
    }

    /// The back matter: the placeholders first, then the inputs in the order met.
    pub fn back_matter(self, placeholders: Vec<Resource>) -> BackMatter {
        let mut resources = placeholders;
        resources.extend(self.resources);
        BackMatter { resources }
    }
}

/// `repos/acme/app` of `/repos/acme/app/branches/main`, `orgs/acme` of `/orgs/acme/...`.
fn api_scope(resource: &str) -> String {
    let mut parts = resource.split(['/', '?']).filter(|p| !p.is_empty()).take(3);
    match parts.next() {
        Some("repos") => {
            let rest: Vec<&str> = parts.collect();
            format!("repos/{}", rest.join("/"))
        }
        Some(kind) => match parts.next() {
            Some(name) => format!("{kind}/{name}"),
            None => kind.to_owned(),
        },
        None => String::new(),
    }
}

/// Build one OSCAL observation from one annexa observation.
pub(crate) fn observation(
    inputs: &mut Inputs<'_>,
    o: &Observation,
    key: &str,
) -> model::Observation {
    let scan = inputs.input.scan;
    let meta = scan.checks.iter().find(|m| m.id == o.check);
    let mut props = Props::default();
    props
        .add("check", o.check.as_str())
        .add("outcome", o.outcome.as_str())
        .add("severity", o.severity.as_str())
        .opt("confidence", meta.map(|m| m.confidence.as_str()))
        .add("provenance", o.provenance.as_str())
        .add("fingerprint", annexa_engine::fingerprint(o));
    for c in meta.map(|m| m.controls).unwrap_or_default() {
        props.add("control", c.code());
    }
    let mut remarks = Vec::new();
    if let Some(s) = &o.suppression {
        props.add("suppression", s.kind());
        props.opt("suppression-reason", s.reason());
        remarks.push(format!(
            "Suppressed ({}): not reported or gated, yet it counts for control status as any other observation.",
            crate::suppression_text(s)
        ));
    }
    match o.outcome {
        Outcome::Unknown => remarks.push(
            "`unknown`: the check could not decide (the description says why); never counted as a pass."
                .to_owned(),
        ),
        Outcome::NotRelevant => remarks.push(
            "`not-relevant`: the subject has nothing the check is about; not evidence either way."
                .to_owned(),
        ),
        _ => {}
    }
    match o.provenance {
        annexa_model::Provenance::WorkingTree => remarks.push(
            "Provenance `working-tree`: uncommitted files are never audit evidence.".to_owned(),
        ),
        annexa_model::Provenance::HandEdited => remarks.push(
            "Provenance `hand-edited`: a snapshot changed by hand (or built from a description) is never system evidence."
                .to_owned(),
        ),
        _ => {}
    }
    model::Observation {
        uuid: uuid("observation", key),
        title: line(&format!("{}: {}", o.check.as_str(), o.outcome.as_str())),
        description: text_or(
            &o.message,
            &format!(
                "{} on {}: {}",
                o.check.as_str(),
                o.subject,
                o.outcome.as_str()
            ),
        ),
        props: props.done(),
        methods: vec!["EXAMINE"],
        types: if o.outcome == Outcome::Fail {
            vec!["finding"]
        } else {
            Vec::new()
        },
        origins: vec![Origin {
            actors: vec![Actor {
                kind: "assessment-platform",
                actor_uuid: platform_uuid(),
            }],
        }],
        subjects: vec![inputs.subject(o)],
        relevant_evidence: inputs.evidence(o),
        collected: inputs.collected(o),
        remarks: (!remarks.is_empty()).then(|| remarks.join("\n\n")),
    }
}

/// The annexa run as an OSCAL assessment platform.
pub(crate) fn assessment_platform(input: &ReportInput<'_>) -> model::AssessmentPlatform {
    let mut props = Props::default();
    props.add("tool-version", input.tool_version);
    model::AssessmentPlatform {
        uuid: platform_uuid(),
        title: line(&format!("annexa {}", input.tool_version)),
        props: props.done(),
    }
}

/// The system's identifier (SSP `system-ids`, POA&M `system-id`).
pub(crate) fn system_id(input: &ReportInput<'_>, isms: &IsmsView) -> model::SystemId {
    model::SystemId {
        identifier_type: "https://ietf.org/rfc/rfc4122",
        id: uuid("system", &scope_statement(input, isms).unwrap_or_default()),
    }
}

pub(crate) fn scope_statement(input: &ReportInput<'_>, isms: &IsmsView) -> Option<String> {
    isms.scope_statement
        .clone()
        .or_else(|| input.scan.scope.statement.clone())
        .filter(|s| !s.trim().is_empty())
}

/// An implementation status with annexa's status word in the remarks.
pub(crate) fn implementation_status(o: Overall, why: String) -> ImplementationStatus {
    ImplementationStatus {
        state: implementation_state(o),
        remarks: Some(why),
    }
}

#[cfg(test)]
mod tests;
