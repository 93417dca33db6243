//! The scan: discovery, parallel per-file work, repository checks, total sort.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use annexa_checks::{FileInfo, PipelineCx, RepoCx, RepoFile, Sink, registry};
use annexa_config::Settings;
use annexa_github::{CodeOwners, map_action, map_workflow};
use annexa_model::check::CheckScope;
use annexa_model::pipeline::Mapped;
use annexa_model::pipeline::Pipeline;
use annexa_model::{CheckMeta, Diagnostic, DiagnosticKind, Observation, Provenance, RepoIdentity};
use annexa_repofiles::{Dockerfile, UpdateConfig};
use annexa_source::{DirFiles, Limits, LocalFiles, Refusal, YamlFile, read_text};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::discover::{FileKind, classify};
use crate::git;

/// What to scan and how.
#[derive(Debug, Default)]
pub struct ScanOptions {
    pub limits: Limits,
    pub settings: Settings,
    /// Examine only these repository-relative paths (a pre-commit hook's changed files).
    /// Repository-wide checks then do not run: they need the whole repository.
    pub only_files: Option<std::collections::BTreeSet<String>>,
    /// Platform snapshots (`--snapshot`): their platform checks run too, joined to the
    /// repositories' files.
    pub snapshots: Vec<crate::platform::SnapshotInput>,
    /// The organisation's thresholds for platform checks (`[platform]`).
    pub platform_policy: annexa_checks::PlatformPolicy,
    /// `--as-of`: the instant platform ages are measured at.
    pub as_of: Option<jiff::Timestamp>,
}

/// One scanned repository.
#[derive(Clone, Debug)]
pub struct Repository {
    /// The folder as given on the command line.
    pub display: String,
    pub root: PathBuf,
    pub identity: RepoIdentity,
    /// HEAD of a git work tree whose top level is this folder.
    pub commit: Option<String>,
    pub branch: Option<String>,
    /// Whether the work tree has changes against HEAD (or is not a git work tree).
    pub dirty: bool,
}

/// How far a file was understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileStatus {
    Understood,
    /// Mapped, with elements taken leniently (see the file's diagnostic).
    Partly,
    /// Not examined (see the file's diagnostic).
    Refused,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Understood => "understood",
            FileStatus::Partly => "partly-understood",
            FileStatus::Refused => "not-examined",
        }
    }
}

/// A file annexa read (or tried to).
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub repo: u32,
    pub path: String,
    pub kind: FileKind,
    pub status: FileStatus,
    pub provenance: Provenance,
    /// SHA-256 of the bytes read, hex; `None` when the file could not be read.
    pub sha256: Option<String>,
    /// The text, for snippets and line numbers; `None` for refused files.
    pub text: Option<Arc<str>>,
    /// Byte offset of the start of every line of `text`.
    pub line_starts: Arc<[usize]>,
    /// The pipelines this file was analysed as part of (it is a local include or template of
    /// each); empty when it was analysed on its own.
    pub included_by: Vec<String>,
    /// Whether the file, analysed on its own, is a fragment (an include or template nobody in
    /// the scan includes).
    pub fragment: bool,
}

impl SourceFile {
    /// How a pipeline file was analysed: `pipeline`, `fragment` or `included`; `None` for
    /// files that are not pipelines.
    pub fn role(&self) -> Option<&'static str> {
        if !self.kind.is_pipeline() {
            None
        } else if !self.included_by.is_empty() {
            Some("included")
        } else if self.fragment {
            Some("fragment")
        } else {
            Some("pipeline")
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> Option<(usize, usize)> {
        let text = self.text.as_deref()?;
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Some((line, col))
    }
}

/// A file configuration excluded from the scan: never hidden, always reported.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Excluded {
    pub repo: u32,
    pub path: String,
    pub pattern: String,
}

/// Everything a scan found, totally ordered.
#[derive(Clone, Debug)]
pub struct ScanResult {
    pub repositories: Vec<Repository>,
    pub files: Vec<SourceFile>,
    pub observations: Vec<Observation>,
    pub diagnostics: Vec<Diagnostic>,
    pub excluded: Vec<Excluded>,
    /// The checks that ran, in registry order.
    pub checks: Vec<&'static CheckMeta>,
    /// Only named files were examined (`ScanOptions::only_files`): repository-wide checks did
    /// not run.
    pub files_only: bool,
    /// The platform snapshots the scan read.
    pub snapshots: Vec<crate::platform::SnapshotSummary>,
    /// The declared scope against the estate the scan and its snapshots reveal.
    pub scope: crate::scope::Reconciliation,
    /// Third-party components and runners the pipelines use.
    pub inventory: crate::inventory::Inventory,
}

impl ScanResult {
    /// The file read at `path` of repository `repo` (files are sorted by repository and path).
    pub fn file(&self, repo: u32, path: &str) -> Option<&SourceFile> {
        find_file(&self.files, repo, path)
    }
}

/// The file at `path` of repository `repo` in a list sorted by repository and path.
pub(crate) fn find_file<'a>(
    files: &'a [SourceFile],
    repo: u32,
    path: &str,
) -> Option<&'a SourceFile> {
    files
        .binary_search_by(|f| (f.repo, f.path.as_str()).cmp(&(repo, path)))
        .ok()
        .map(|i| &files[i])
}

/// A stable fingerprint of an observation's check and subject, independent of the commit and
/// of line numbers: the basis for baselines and run-to-run diffs.
pub fn fingerprint(o: &Observation) -> String {
    let mut h = Sha256::new();
    h.update(o.check.as_str().as_bytes());
    h.update([0]);
    h.update(o.subject.locator().as_bytes());
    let d = h.finalize();
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

struct Candidate {
    repo: u32,
    path: String,
    abs: PathBuf,
    kind: FileKind,
    /// A refusal found during discovery (symlink leaving the tree).
    refused: Option<Refusal>,
    /// Pipelines that include this file: it is analysed in their context, not alone.
    included_by: Vec<String>,
}

struct FileWork {
    file: SourceFile,
    info: FileInfo,
    pipeline: Option<Pipeline>,
    codeowners: Option<CodeOwners>,
    dockerfile: Option<Dockerfile>,
    update: Option<UpdateConfig>,
    observations: Vec<Observation>,
    diagnostics: Vec<Diagnostic>,
}

impl FileWork {
    /// The work for a file before anything is read: not examined, no findings.
    fn refused(repo: u32, path: String, kind: FileKind, info: FileInfo) -> FileWork {
        FileWork {
            file: SourceFile {
                repo,
                path,
                kind,
                status: FileStatus::Refused,
                provenance: info.provenance,
                sha256: None,
                text: None,
                line_starts: Arc::from([0usize].as_slice()),
                included_by: Vec::new(),
                fragment: false,
            },
            info,
            pipeline: None,
            codeowners: None,
            dockerfile: None,
            update: None,
            observations: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

/// Scan repository folders. Errors are per file (diagnostics); the scan itself only fails when
/// a PATH does not exist or is not a folder.
pub fn scan(paths: &[PathBuf], options: &ScanOptions) -> Result<ScanResult, ScanError> {
    let mut repositories = Vec::new();
    if paths.is_empty() && options.snapshots.is_empty() {
        return Err(ScanError::Nothing);
    }
    if let Some(p) = paths.iter().find(|p| !p.is_dir()) {
        return Err(ScanError::NotADirectory(p.clone()));
    }
    let gits: Vec<Option<git::GitInfo>> = paths.par_iter().map(|p| git::inspect(p)).collect();
    for (p, info) in paths.iter().zip(&gits) {
        let folder = std::fs::canonicalize(p)
            .ok()
            .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "repository".to_owned());
        let identity = info
            .as_ref()
            .and_then(|g| g.identity.clone())
            .unwrap_or(RepoIdentity {
                host: "local".into(),
                owner: "".into(),
                name: folder.into(),
            });
        repositories.push(Repository {
            display: display_path(p),
            root: p.clone(),
            identity,
            commit: info.as_ref().map(|g| g.commit.clone()),
            branch: info.as_ref().and_then(|g| g.branch.clone()),
            dirty: info.as_ref().is_none_or(|g| g.dirty),
        });
    }

    // Two folders that are not git work trees and share a name would share an identity (and so
    // subject keys and fingerprints): number the later ones.
    for i in 1..repositories.len() {
        if &*repositories[i].identity.host == "local" {
            let mut n = 1;
            let base = repositories[i].identity.name.clone();
            while repositories[..i]
                .iter()
                .any(|r| r.identity == repositories[i].identity)
            {
                n += 1;
                repositories[i].identity.name = format!("{base}~{n}").into();
            }
        }
    }

    let mut excluded = Vec::new();
    let mut candidates = Vec::new();
    for (i, repo) in repositories.iter().enumerate() {
        discover(
            i as u32,
            &repo.root,
            &options.settings,
            &mut candidates,
            &mut excluded,
        );
    }
    if let Some(only) = &options.only_files {
        candidates.retain(|c| only.contains(&c.path));
    }

    let limits = options.limits;
    let checks = registry();
    // Each repository's files, for pipelines that include or template others.
    let local: Vec<DirFiles> = repositories
        .iter()
        .map(|r| DirFiles::new(&r.root, limits))
        .collect();
    mark_fragments(&mut candidates, &local);
    let work: Vec<FileWork> = candidates
        .into_par_iter()
        .map(|c| {
            let repo = &repositories[c.repo as usize];
            let git = gits[c.repo as usize].as_ref();
            let clean = git.is_some_and(|g| g.clean.contains(&c.path));
            let info = FileInfo {
                repo: c.repo,
                identity: repo.identity.clone(),
                path: c.path.clone(),
                provenance: if clean {
                    Provenance::RepoCommit
                } else {
                    Provenance::WorkingTree
                },
                commit: if clean {
                    git.map(|g| g.commit.clone())
                } else {
                    None
                },
            };
            // A bug triggered by one file is a diagnostic for that file, not the end of the run.
            let (repo, path, kind) = (c.repo, c.path.clone(), c.kind);
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                process(
                    c,
                    info.clone(),
                    &limits,
                    checks,
                    &local[repo as usize],
                    git.map(|g| &g.clean),
                )
            }))
            .unwrap_or_else(|_| {
                let mut work = FileWork::refused(repo, path.clone(), kind, info);
                let message =
                    "annexa failed on this file (a bug; please report it); not examined".to_owned();
                work.diagnostics.push(Diagnostic {
                    repo,
                    path,
                    kind: DiagnosticKind::Internal,
                    message,
                });
                work
            })
        })
        .collect();

    let mut files = Vec::with_capacity(work.len());
    let mut observations = Vec::new();
    let mut diagnostics = Vec::new();
    let mut pipelines: Vec<(FileInfo, Pipeline)> = Vec::new();
    let mut owners: Vec<(FileInfo, Arc<str>, CodeOwners)> = Vec::new();
    let mut dockerfiles: Vec<(FileInfo, Arc<str>, Dockerfile)> = Vec::new();
    let mut updates: Vec<(FileInfo, Arc<str>, UpdateConfig)> = Vec::new();
    let mut policies: Vec<FileInfo> = Vec::new();
    for w in work {
        observations.extend(w.observations);
        diagnostics.extend(w.diagnostics);
        if let Some(p) = w.pipeline {
            pipelines.push((w.info.clone(), p));
        }
        let text = w.file.text.clone().unwrap_or_else(|| Arc::from(""));
        if let Some(co) = w.codeowners {
            owners.push((w.info.clone(), text.clone(), co));
        }
        if let Some(d) = w.dockerfile {
            dockerfiles.push((w.info.clone(), text.clone(), d));
        }
        if let Some(u) = w.update {
            updates.push((w.info.clone(), text, u));
        }
        if w.file.kind == FileKind::SecurityPolicy && w.file.status != FileStatus::Refused {
            policies.push(w.info.clone());
        }
        files.push(w.file);
    }
    list_included_files(&mut files, &pipelines, &gits);
    redact_credentials(&mut files, &mut observations);
    weakest_provenance(&files, &mut observations);

    // Repository contexts list files in path order, whatever order the walk found them in.
    dockerfiles.sort_by(|a, b| (a.0.repo, &a.0.path).cmp(&(b.0.repo, &b.0.path)));
    updates.sort_by(|a, b| (a.0.repo, &a.0.path).cmp(&(b.0.repo, &b.0.path)));
    owners.sort_by(|a, b| (a.0.repo, &a.0.path).cmp(&(b.0.repo, &b.0.path)));
    policies.sort_by(|a, b| (a.repo, &a.path).cmp(&(b.repo, &b.path)));

    let covered = crate::platform::covered(&options.snapshots, &repositories);
    let with_codeowners: std::collections::BTreeSet<u32> =
        owners.iter().map(|(f, ..)| f.repo).collect();

    // Repository-level checks.
    let repo_obs: Vec<Vec<Observation>> = (0..repositories.len())
        .into_par_iter()
        .map(|i| {
            let i = i as u32;
            let repo = &repositories[i as usize];
            let mut repo_pipelines: Vec<(&FileInfo, &Pipeline)> = pipelines
                .iter()
                .filter(|(f, _)| f.repo == i)
                .map(|(f, p)| (f, p))
                .collect();
            repo_pipelines.sort_by(|a, b| a.0.path.cmp(&b.0.path));
            // The first CODEOWNERS location GitHub reads wins: .github/, root, docs/.
            let codeowners = [
                "/.github/CODEOWNERS",
                "CODEOWNERS",
                "docs/CODEOWNERS",
                ".gitlab/CODEOWNERS",
            ]
            .iter()
            .find_map(|want| {
                let want = want.trim_start_matches('/');
                owners.iter().find(|(f, ..)| f.repo == i && f.path == want)
            })
            .map(|(f, text, co)| RepoFile {
                file: f,
                source: text,
                parsed: co,
            });
            let cx = RepoCx {
                repo: i,
                identity: &repo.identity,
                commit: if repo.dirty {
                    None
                } else {
                    repo.commit.as_deref()
                },
                provenance: if repo.dirty {
                    Provenance::WorkingTree
                } else {
                    Provenance::RepoCommit
                },
                pipelines: repo_pipelines,
                codeowners,
                dockerfiles: dockerfiles
                    .iter()
                    .filter(|(f, ..)| f.repo == i)
                    .map(|(f, t, d)| RepoFile {
                        file: f,
                        source: t,
                        parsed: d,
                    })
                    .collect(),
                updates: updates
                    .iter()
                    .filter(|(f, ..)| f.repo == i)
                    .map(|(f, t, u)| RepoFile {
                        file: f,
                        source: t,
                        parsed: u,
                    })
                    .collect(),
                security_policy: policies
                    .iter()
                    .filter(|f| f.repo == i)
                    .min_by(|a, b| a.path.cmp(&b.path)),
                platform_covered: covered.contains(&i),
            };
            let mut out = Vec::new();
            if options.only_files.is_some() {
                return out;
            }
            for check in checks
                .iter()
                // Platform checks may say something about a repository no snapshot covers.
                .filter(|c| {
                    matches!(
                        c.meta().scope,
                        CheckScope::Repository | CheckScope::Platform
                    )
                })
            {
                let mut sink = Sink::new(check.meta());
                check.repository(&cx, &mut sink);
                out.extend(sink.into_observations());
            }
            out
        })
        .collect();
    observations.extend(repo_obs.into_iter().flatten());

    let (platform_obs, snapshots) = if options.only_files.is_some() {
        (Vec::new(), Vec::new())
    } else {
        crate::platform::run(
            &options.snapshots,
            &options.platform_policy,
            options.as_of,
            checks,
            &repositories,
            &pipelines,
            &with_codeowners,
        )
    };
    observations.extend(platform_obs);

    // One total order, whatever the scheduling was.
    observations.par_sort_unstable_by(order);
    observations.dedup();
    diagnostics.sort();
    files.sort_by(|a, b| (a.repo, &a.path).cmp(&(b.repo, &b.path)));
    excluded.sort();
    accept_risks(&mut observations, options);
    let inventory = crate::inventory::build(&pipelines);
    // The pipeline models are no longer needed: free them on a pool thread while the caller
    // assesses and reports.
    rayon::spawn(move || drop((pipelines, owners, dockerfiles, updates)));

    let mut scope =
        crate::scope::reconcile(options.settings.scope.as_ref(), &repositories, &snapshots);
    let listed: Vec<(String, Vec<String>, String)> = snapshots
        .iter()
        .flat_map(|s| s.runners.iter().cloned())
        .collect();
    scope.add_runners(&inventory.self_hosted, &listed);
    Ok(ScanResult {
        repositories,
        files,
        observations,
        diagnostics,
        excluded,
        checks: checks.iter().map(|c| c.meta()).collect(),
        files_only: options.only_files.is_some(),
        scope,
        snapshots,
        inventory,
    })
}

/// Findings an approved, unexpired `[[acceptance]]` covers become accepted risk (marked, still
/// counted by the assessment). Expired or unapproved acceptances are not applied: their
/// findings stay open, and `annexa ncs` reports the acceptance.
fn accept_risks(observations: &mut [Observation], options: &ScanOptions) {
    if options.settings.acceptances.is_empty() {
        return;
    }
    let at = options.as_of.unwrap_or_else(jiff::Timestamp::now);
    let today = jiff::tz::Offset::UTC.to_datetime(at).date().to_string();
    let active: Vec<(
        &annexa_assess::acceptance::Acceptance,
        annexa_assess::acceptance::Matcher,
    )> = options
        .settings
        .acceptances
        .iter()
        .filter(|a| {
            let criteria = options.settings.risk_criteria.is_some();
            annexa_assess::acceptance::status(a, &today, criteria).0
                == annexa_assess::acceptance::AcceptanceStatus::Active
        })
        .filter_map(|a| annexa_assess::acceptance::Matcher::new(a).map(|m| (a, m)))
        .collect();
    for o in observations.iter_mut() {
        if o.outcome != annexa_model::Outcome::Fail {
            continue;
        }
        if let Some((a, _)) = active.iter().find(|(_, m)| m.covers(o)) {
            o.suppression = Some(annexa_model::Suppression::Accepted {
                id: a.id.clone(),
                expires: a.expires.clone(),
                reason: a.reason.clone(),
            });
        }
    }
}

/// The total order of observations: repository, then file and route, then check, outcome,
/// message and locations. Repository identities are compared last (they are equal within a
/// repository), which keeps the sort cheap.
fn order(a: &Observation, b: &Observation) -> std::cmp::Ordering {
    use annexa_model::SubjectKey;
    let subject = |x: &SubjectKey, y: &SubjectKey| match (x, y) {
        (
            SubjectKey::Repo {
                repo: ra,
                commit: ca,
                path: pa,
                route: qa,
            },
            SubjectKey::Repo {
                repo: rb,
                commit: cb,
                path: pb,
                route: qb,
            },
        ) => (pa, qa, ca, ra).cmp(&(pb, qb, cb, rb)),
        _ => x.cmp(y),
    };
    // Within a repository, file elements come first and repository-wide observations last.
    let wide =
        |o: &Observation| matches!(&o.subject, SubjectKey::Repo { path, .. } if path.is_empty());
    first_repo(a)
        .cmp(&first_repo(b))
        .then_with(|| wide(a).cmp(&wide(b)))
        .then_with(|| subject(&a.subject, &b.subject))
        .then_with(|| {
            (a.check, a.outcome, &a.message, &a.locations).cmp(&(
                b.check,
                b.outcome,
                &b.message,
                &b.locations,
            ))
        })
}

fn first_repo(o: &Observation) -> u32 {
    o.locations
        .iter()
        .find_map(|l| match l {
            annexa_model::Location::File(f) => Some(f.repo),
            _ => None,
        })
        .unwrap_or(u32::MAX)
}

/// Scan errors that stop the whole run (usage errors, not file problems).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{0}: not a directory")]
    NotADirectory(PathBuf),
    #[error("nothing to scan: no repository folder and no snapshot")]
    Nothing,
}

fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let s = s.trim_end_matches('/');
    if s.is_empty() {
        ".".to_owned()
    } else {
        s.to_owned()
    }
}

fn discover(
    repo: u32,
    root: &Path,
    settings: &Settings,
    out: &mut Vec<Candidate>,
    excluded: &mut Vec<Excluded>,
) {
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .parents(false)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker.flatten() {
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let path = rel.to_string_lossy().replace('\\', "/");
        let Some(kind) = classify(&path) else {
            continue;
        };
        if let Some(pattern) = settings.excluded_by(&path) {
            excluded.push(Excluded {
                repo,
                path,
                pattern: pattern.to_owned(),
            });
            continue;
        }
        let mut refused = None;
        let mut abs = entry.path().to_owned();
        if ft.is_symlink() {
            match std::fs::canonicalize(entry.path()) {
                Ok(target) if target.starts_with(&canonical_root) && target.is_file() => {
                    abs = target
                }
                Ok(target) if target.starts_with(&canonical_root) => {
                    refused = Some(Refusal {
                        kind: DiagnosticKind::Unreadable,
                        message: "symbolic link to something that is not a file".into(),
                    });
                }
                Ok(target) => {
                    refused = Some(Refusal {
                        kind: DiagnosticKind::SymlinkOutsideTree,
                        message: format!(
                            "symbolic link to {} leaves the repository; refused",
                            target.display()
                        ),
                    });
                }
                Err(e) => {
                    refused = Some(Refusal {
                        kind: DiagnosticKind::Unreadable,
                        message: format!("broken symbolic link: {e}"),
                    });
                }
            }
        }
        out.push(Candidate {
            repo,
            path,
            abs,
            kind,
            refused,
            included_by: Vec::new(),
        });
    }
}

/// Files pipelines were assembled from (local includes, templates) that discovery did not
/// list by name: they are inputs too, listed with their digest and the pipelines that read
/// them. Files discovery did list get the including pipelines named.
fn list_included_files(
    files: &mut Vec<SourceFile>,
    pipelines: &[(FileInfo, Pipeline)],
    gits: &[Option<git::GitInfo>],
) {
    let mut index: std::collections::HashMap<(u32, String), usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.repo, f.path.clone()), i))
        .collect();
    for (info, p) in pipelines {
        for src in &p.sources {
            let key = (info.repo, src.path.to_string());
            let i = match index.get(&key) {
                Some(&i) => i,
                None => {
                    let clean = gits[info.repo as usize]
                        .as_ref()
                        .is_some_and(|g| g.clean.contains(&*src.path));
                    let kind = match p.platform {
                        annexa_model::Platform::AzurePipelines => FileKind::AzurePipelines,
                        _ => FileKind::GitlabCi,
                    };
                    files.push(SourceFile {
                        repo: info.repo,
                        path: src.path.to_string(),
                        kind,
                        status: FileStatus::Understood,
                        provenance: if clean {
                            Provenance::RepoCommit
                        } else {
                            Provenance::WorkingTree
                        },
                        sha256: Some(hex_digest(src.text.as_bytes())),
                        line_starts: line_starts(&src.text),
                        text: Some(src.text.clone()),
                        included_by: Vec::new(),
                        fragment: false,
                    });
                    index.insert(key, files.len() - 1);
                    files.len() - 1
                }
            };
            if !files[i].included_by.contains(&info.path) {
                files[i].included_by.push(info.path.clone());
                files[i].included_by.sort();
            }
        }
    }
}

/// An observation is only as trustworthy as the least trustworthy file it rests on: an
/// element of an uncommitted include makes the observation working-tree evidence.
fn weakest_provenance(files: &[SourceFile], observations: &mut [Observation]) {
    let dirty: std::collections::HashSet<(u32, &str)> = files
        .iter()
        .filter(|f| f.provenance == Provenance::WorkingTree)
        .map(|f| (f.repo, f.path.as_str()))
        .collect();
    if dirty.is_empty() {
        return;
    }
    for o in observations {
        let on_dirty = o.locations.iter().any(|l| match l {
            annexa_model::Location::File(f) => dirty.contains(&(f.repo, f.path.as_str())),
            _ => false,
        });
        if on_dirty && o.provenance == Provenance::RepoCommit {
            o.provenance = Provenance::WorkingTree;
        }
    }
}

fn hex_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn line_starts(text: &str) -> Arc<[usize]> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Secrets found in a file never leave it: the text kept for snippets has every credential a
/// check found masked, in whichever file it is written (a pipeline or a file it includes).
/// The SHA-256 is of the file as read.
fn redact_credentials(files: &mut [SourceFile], observations: &mut [Observation]) {
    use std::collections::BTreeMap;
    // (repo, path) → the secret strings found there.
    let mut found: BTreeMap<(u32, String), Vec<String>> = BTreeMap::new();
    let index: std::collections::HashMap<(u32, String), usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.repo, f.path.clone()), i))
        .collect();
    for o in observations.iter() {
        if o.check != annexa_model::CheckId::HardcodedCredential
            || o.outcome != annexa_model::Outcome::Fail
        {
            continue;
        }
        let Some(annexa_model::Location::File(f)) = o.locations.first() else {
            continue;
        };
        let Some(span) = f.span else { continue };
        let Some(&i) = index.get(&(f.repo, f.path.clone())) else {
            continue;
        };
        let Some(secret) = files[i]
            .text
            .as_deref()
            .and_then(|t| t.get(span.start..span.end))
        else {
            continue;
        };
        if !secret.trim().is_empty() {
            found
                .entry((f.repo, f.path.clone()))
                .or_default()
                .push(secret.to_owned());
        }
    }
    if found.is_empty() {
        return;
    }
    let mut all: Vec<String> = Vec::new();
    for ((repo, path), mut secrets) in found {
        secrets.sort_unstable();
        secrets.dedup();
        let Some(&i) = index.get(&(repo, path)) else {
            continue;
        };
        let Some(text) = files[i].text.clone() else {
            continue;
        };
        let mut bytes = text.as_bytes().to_vec();
        for secret in &secrets {
            for (at, _) in text.match_indices(secret.as_str()) {
                // Every byte but line breaks becomes `*`: byte offsets and line numbers stay,
                // and the masked range is ASCII, so the text stays UTF-8.
                for b in &mut bytes[at..at + secret.len()] {
                    if *b != b'\n' {
                        *b = b'*';
                    }
                }
            }
        }
        let masked = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        files[i].text = Some(Arc::from(masked));
        all.extend(secrets);
    }
    // No message of any check may repeat a secret either.
    for o in observations.iter_mut() {
        for s in &all {
            if o.message.contains(s.as_str()) {
                o.message = o.message.replace(s.as_str(), "****");
            }
        }
    }
}

/// Map a pipeline file of any CI system; `true` when byte spans are available.
fn map_pipeline(
    kind: FileKind,
    path: &str,
    text: Arc<str>,
    limits: &Limits,
    files: &DirFiles,
) -> Result<(Mapped, bool), Refusal> {
    if kind == FileKind::Jenkins {
        return annexa_jenkins::map(path, &text).map(|m| (m, true));
    }
    let yaml = YamlFile::parse(text, limits)?;
    let mapped = match kind {
        FileKind::GithubWorkflow => map_workflow(path, &yaml),
        FileKind::GithubAction => map_action(path, &yaml),
        FileKind::GitlabCi => annexa_gitlab::map(path, &yaml, files),
        FileKind::AzurePipelines => annexa_azure::map(path, &yaml, files),
        FileKind::CircleCi => annexa_circleci::map(path, &yaml),
        FileKind::Bitbucket => annexa_bitbucket::map(path, &yaml),
        other => Err(Refusal {
            kind: DiagnosticKind::Internal,
            message: format!("{} is not a pipeline kind", other.as_str()),
        }),
    }?;
    Ok((mapped, yaml.has_spans()))
}

/// What a pipeline check could not see: one `unknown` per check naming every construct left
/// out, so a pass never stands for parts that were not examined.
fn unanalysed_unknowns(cx: &PipelineCx<'_>, sink: &mut Sink) {
    let parts = &cx.pipeline.unanalysed;
    let Some(first) = parts.first() else {
        return;
    };
    let what: Vec<&str> = parts.iter().map(|u| u.what.as_str()).collect();
    let more = if parts.len() > 1 {
        format!(" (and {} more: {})", parts.len() - 1, what[1..].join("; "))
    } else {
        String::new()
    };
    sink.at(
        cx.file,
        &first.site,
        annexa_model::Outcome::Unknown,
        format!("not analysed: {}{more}", what[0]),
    );
}

/// Tell fragments from entry points: a GitLab or Azure file reached through a local include
/// or template (directly or through files discovery did not list) from another file of the
/// same repository is analysed only in that file's context. Entry points are the files nobody
/// includes (and the root `.gitlab-ci.yml`); of files on an include cycle no entry point
/// reaches, the first by path becomes one, so every file is analysed exactly once per
/// pipeline that reaches it.
fn mark_fragments(candidates: &mut [Candidate], local: &[DirFiles]) {
    use std::collections::{BTreeMap, BTreeSet};
    type Node = (u32, String);
    let refs_of = |repo: u32, path: &str, kind: FileKind| -> Vec<String> {
        let files = &local[repo as usize];
        let Ok(yaml) = files.yaml(path) else {
            return Vec::new();
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match kind {
            FileKind::GitlabCi => annexa_gitlab::references(path, &yaml, files),
            _ => annexa_azure::references(path, &yaml),
        }))
        .unwrap_or_default()
    };
    let starts: Vec<(Node, FileKind)> = candidates
        .iter()
        .filter(|c| {
            c.refused.is_none() && matches!(c.kind, FileKind::GitlabCi | FileKind::AzurePipelines)
        })
        .map(|c| ((c.repo, c.path.clone()), c.kind))
        .collect();
    // The include graph, closed over files only an include reaches.
    let first: Vec<Vec<String>> = starts
        .par_iter()
        .map(|((repo, path), kind)| refs_of(*repo, path, *kind))
        .collect();
    let mut edges: BTreeMap<Node, Vec<String>> = BTreeMap::new();
    let mut queue: Vec<(Node, FileKind)> = Vec::new();
    for ((node, kind), r) in starts.iter().zip(first) {
        for t in &r {
            queue.push(((node.0, t.clone()), *kind));
        }
        edges.insert(node.clone(), r);
    }
    while let Some((node, kind)) = queue.pop() {
        if edges.contains_key(&node) {
            continue;
        }
        let r = refs_of(node.0, &node.1, kind);
        for t in &r {
            queue.push(((node.0, t.clone()), kind));
        }
        edges.insert(node, r);
    }
    let referenced: BTreeSet<Node> = edges
        .iter()
        .flat_map(|((repo, from), to)| {
            to.iter()
                .filter(move |t| *t != from)
                .map(move |t| (*repo, t.clone()))
        })
        .collect();
    let is_root = |p: &str| p == ".gitlab-ci.yml";
    let mut owner: BTreeMap<Node, BTreeSet<String>> = BTreeMap::new();
    let mut entries: BTreeSet<Node> = BTreeSet::new();
    let reach = |start: &Node, owner: &mut BTreeMap<Node, BTreeSet<String>>| {
        let mut stack = vec![start.1.clone()];
        let mut seen = BTreeSet::from([start.1.clone()]);
        while let Some(p) = stack.pop() {
            for t in edges.get(&(start.0, p)).into_iter().flatten() {
                if seen.insert(t.clone()) {
                    owner
                        .entry((start.0, t.clone()))
                        .or_default()
                        .insert(start.1.clone());
                    stack.push(t.clone());
                }
            }
        }
    };
    for (node, _) in &starts {
        if is_root(&node.1) || !referenced.contains(node) {
            entries.insert(node.clone());
            reach(node, &mut owner);
        }
    }
    // Cycles no entry point reaches: the first file by path stands for the cycle.
    for (node, _) in &starts {
        if !entries.contains(node) && !owner.contains_key(node) {
            entries.insert(node.clone());
            reach(node, &mut owner);
        }
    }
    for c in candidates.iter_mut() {
        let node = (c.repo, c.path.clone());
        if entries.contains(&node) {
            continue;
        }
        if let Some(o) = owner.get(&node) {
            c.included_by = o.iter().cloned().collect();
        }
    }
}

fn process(
    c: Candidate,
    info: FileInfo,
    limits: &Limits,
    checks: &[&'static dyn annexa_checks::Check],
    files: &DirFiles,
    clean: Option<&std::collections::HashSet<String>>,
) -> FileWork {
    let mut work = FileWork::refused(c.repo, c.path.clone(), c.kind, info);
    let diag = |kind: DiagnosticKind, message: String| Diagnostic {
        repo: c.repo,
        path: c.path.clone(),
        kind,
        message,
    };
    if let Some(r) = c.refused {
        work.diagnostics.push(diag(r.kind, r.message));
        return work;
    }
    if !c.included_by.is_empty() {
        // Analysed as part of the pipelines that include it; listed here with its digest.
        work.file.included_by = c.included_by.clone();
    }
    let text = match read_text(&c.abs, limits) {
        Ok(t) => t,
        Err(r) => {
            work.diagnostics.push(diag(r.kind, r.message));
            return work;
        }
    };
    work.file.sha256 = Some(hex_digest(text.as_bytes()));
    work.file.line_starts = line_starts(&text);
    work.file.text = Some(text.clone());
    let partly = |work: &mut FileWork, note: Option<String>| match note {
        None => work.file.status = FileStatus::Understood,
        Some(n) => {
            work.file.status = FileStatus::Partly;
            work.diagnostics
                .push(diag(DiagnosticKind::PartlyUnderstood, n));
        }
    };
    match c.kind {
        FileKind::SecurityPolicy => partly(&mut work, None),
        FileKind::Dockerfile => match Dockerfile::parse(&text) {
            Ok(d) => {
                partly(&mut work, d.note.clone());
                work.dockerfile = Some(d);
            }
            Err(e) => work
                .diagnostics
                .push(diag(DiagnosticKind::NotUnderstood, e)),
        },
        FileKind::Renovate => match UpdateConfig::renovate(&c.path, &text) {
            Ok(u) => {
                partly(&mut work, None);
                work.update = Some(u);
            }
            Err(e) => work.diagnostics.push(diag(DiagnosticKind::Syntax, e)),
        },
        FileKind::Dependabot => match YamlFile::parse(text, limits)
            .map_err(|r| (r.kind, r.message))
            .and_then(|y| {
                UpdateConfig::dependabot(&y).map_err(|e| (DiagnosticKind::NotUnderstood, e))
            }) {
            Ok(u) => {
                partly(&mut work, u.note.clone());
                work.update = Some(u);
            }
            Err((kind, e)) => work.diagnostics.push(diag(kind, e)),
        },
        FileKind::Codeowners => {
            let co = CodeOwners::parse(&text);
            if co.invalid.is_empty() {
                work.file.status = FileStatus::Understood;
            } else {
                work.file.status = FileStatus::Partly;
                let what: Vec<String> = co
                    .invalid
                    .iter()
                    .map(|(l, m)| format!("line {l}: {m}"))
                    .collect();
                work.diagnostics.push(diag(
                    DiagnosticKind::PartlyUnderstood,
                    format!("CODEOWNERS patterns not understood: {}", what.join("; ")),
                ));
            }
            work.codeowners = Some(co);
        }
        _ if !c.included_by.is_empty() => {
            work.file.status = match files.yaml(&c.path) {
                Ok(_) => FileStatus::Understood,
                Err(r) => {
                    work.diagnostics.push(diag(r.kind, r.message));
                    FileStatus::Refused
                }
            };
        }
        kind => {
            debug_assert!(kind.is_pipeline());
            let (mapped, has_spans) = match map_pipeline(kind, &c.path, text, limits, files) {
                Ok(m) => m,
                Err(r) => {
                    work.diagnostics.push(diag(r.kind, r.message));
                    return work;
                }
            };
            let mut notes = mapped.notes;
            if !has_spans {
                notes.push("the span layer could not place elements of this file; locations carry routes but no line numbers".into());
            }
            if notes.is_empty() {
                work.file.status = FileStatus::Understood;
            } else {
                work.file.status = FileStatus::Partly;
                work.diagnostics
                    .push(diag(DiagnosticKind::PartlyUnderstood, notes.join("; ")));
            }
            let pipeline = mapped.pipeline;
            // A pipeline assembled from an uncommitted include is working-tree evidence as a
            // whole: any of its conclusions may rest on that file.
            if pipeline
                .sources
                .iter()
                .any(|s| !clean.is_some_and(|c| c.contains(&*s.path)))
            {
                work.info.provenance = Provenance::WorkingTree;
                work.info.commit = None;
            }
            work.file.fragment = pipeline.kind == annexa_model::pipeline::PipelineKind::Fragment;
            let source = work.file.text.clone().unwrap_or_else(|| Arc::from(""));
            let cx = PipelineCx {
                file: &work.info,
                pipeline: &pipeline,
                source: &source,
            };
            for check in checks.iter().filter(|ch| {
                let m = ch.meta();
                m.scope == CheckScope::Pipeline && m.platforms.contains(&pipeline.platform)
            }) {
                let mut sink = Sink::new(check.meta());
                check.pipeline(&cx, &mut sink);
                unanalysed_unknowns(&cx, &mut sink);
                work.observations.extend(sink.into_observations());
            }
            work.pipeline = Some(pipeline);
        }
    }
    work
}
