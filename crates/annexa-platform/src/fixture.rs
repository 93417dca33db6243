//! Build a snapshot directory from a compact JSON description, for check fixtures, examples and
//! the benchmark generator. A description names the platform, scope and period and gives each
//! resource's status and body; `base` names another description (in the same folder or the
//! fixtures' `_platform/` folder) whose resources it starts from, and a resource set to `null`
//! removes it. `edit` lists resources whose stored body is changed after writing, to make a
//! hand-edited snapshot.
//!
//! ```json
//! { "platform": "github", "base": "github-org",
//!   "scope": { "org": "acme", "repositories": ["acme/app"] },
//!   "resources": { "/repos/acme/app/branches/main/protection":
//!                    { "status": 404, "body": { "message": "Branch not protected" } } } }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::snapshot::{
    Collector, Manifest, Period, PlatformKind, ResourceMeta, Scope, SnapshotError, SnapshotWriter,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub platform: Option<PlatformKind>,
    pub base: Option<String>,
    pub host: Option<String>,
    pub base_url: Option<String>,
    pub scope: Option<Scope>,
    pub period: Option<Period>,
    pub collected_at: Option<String>,
    #[serde(default)]
    pub resources: BTreeMap<String, Option<SpecResource>>,
    #[serde(default)]
    pub edit: Vec<String>,
    /// Mark the snapshot incomplete with these reasons.
    #[serde(default)]
    pub incomplete: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecResource {
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(default)]
    pub body: serde_json::Value,
    pub etag: Option<String>,
    pub accepted_permissions: Option<String>,
    /// The list was not read to its end (why).
    pub truncated: Option<String>,
}

fn ok() -> u16 {
    200
}

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{path}: {message}")]
    Spec { path: PathBuf, message: String },
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

fn load(path: &Path, search: &[&Path], depth: u32) -> Result<Spec, FixtureError> {
    let bad = |message: String| FixtureError::Spec {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let mut spec: Spec = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if let Some(base) = spec.base.take() {
        if depth > 8 {
            return Err(bad("`base` chain deeper than 8".into()));
        }
        let name = format!("{base}.json");
        let found = search
            .iter()
            .map(|d| d.join(&name))
            .find(|p| p.is_file())
            .ok_or_else(|| bad(format!("base `{base}` not found")))?;
        let parent = load(&found, search, depth + 1)?;
        let mut resources = parent.resources;
        for (k, v) in std::mem::take(&mut spec.resources) {
            match v {
                Some(v) => {
                    resources.insert(k, Some(v));
                }
                None => {
                    resources.remove(&k);
                }
            }
        }
        spec = Spec {
            platform: spec.platform.or(parent.platform),
            base: None,
            host: spec.host.or(parent.host),
            base_url: spec.base_url.or(parent.base_url),
            scope: spec.scope.or(parent.scope),
            period: spec.period.or(parent.period),
            collected_at: spec.collected_at.or(parent.collected_at),
            resources,
            edit: [parent.edit, spec.edit].concat(),
            incomplete: [parent.incomplete, spec.incomplete].concat(),
        };
    }
    Ok(spec)
}

/// Write the snapshot a description file describes into `out` (created). `search` lists the
/// folders `base` names are looked up in, after the description's own folder. The snapshot is
/// marked `synthetic`: nothing drawn from it is system evidence.
pub fn build(spec_path: &Path, search: &[&Path], out: &Path) -> Result<Manifest, FixtureError> {
    let own = spec_path.parent().unwrap_or(Path::new("."));
    let mut dirs: Vec<&Path> = vec![own];
    dirs.extend_from_slice(search);
    let spec = load(spec_path, &dirs, 0)?;
    write(&spec, out, true)
}

/// Like [`build`], without the `synthetic` mark: for tests that stand in for a collection
/// (the check fixtures), where provenance is what is under test.
pub fn build_as_collected(
    spec_path: &Path,
    search: &[&Path],
    out: &Path,
) -> Result<Manifest, FixtureError> {
    let own = spec_path.parent().unwrap_or(Path::new("."));
    let mut dirs: Vec<&Path> = vec![own];
    dirs.extend_from_slice(search);
    let spec = load(spec_path, &dirs, 0)?;
    write(&spec, out, false)
}

/// Write a description (already loaded) into `out`.
pub fn write(spec: &Spec, out: &Path, synthetic: bool) -> Result<Manifest, FixtureError> {
    let platform = spec.platform.unwrap_or(PlatformKind::Github);
    let (host, base_url) = match platform {
        PlatformKind::Github => ("github.com", "https://api.github.com"),
        PlatformKind::Gitlab => ("gitlab.com", "https://gitlab.com/api/v4"),
    };
    let at = spec
        .collected_at
        .clone()
        .unwrap_or_else(|| "2026-11-20T09:00:00Z".to_owned());
    let mut m = Manifest::new(
        platform,
        spec.base_url.as_deref().unwrap_or(base_url),
        spec.host.as_deref().unwrap_or(host),
        at.clone(),
    );
    m.collector = Collector {
        tool: "annexa fixture".to_owned(),
        login: Some("fixture-bot".to_owned()),
        token_kind: None,
        scopes: Vec::new(),
    };
    m.scope = spec.scope.clone().unwrap_or_default();
    m.period = spec.period.clone();
    m.incomplete = spec.incomplete.clone();
    m.synthetic = synthetic;
    let mut w = SnapshotWriter::start(out, m)?;
    for (key, r) in &spec.resources {
        let Some(r) = r else { continue };
        let body = if r.body.is_null() && r.status == 204 {
            Vec::new()
        } else {
            serde_json::to_vec_pretty(&r.body).expect("JSON value serialises")
        };
        let meta = ResourceMeta {
            status: r.status,
            etag: r.etag.clone(),
            last_modified: None,
            fetched_at: at.clone(),
            sha256: String::new(),
            pages: 1,
            not_modified: false,
            accepted_permissions: r.accepted_permissions.clone(),
            truncated: r.truncated.clone(),
        };
        w.put(key, meta, &body)?;
    }
    let complete = spec.incomplete.is_empty();
    let manifest = w.finish(at, complete)?;
    for key in &spec.edit {
        let rel =
            crate::path::file_of_key(platform.dir(), key).map_err(|e| FixtureError::Spec {
                path: out.to_owned(),
                message: e.to_string(),
            })?;
        let file = out.join(rel);
        let mut text = std::fs::read(&file).map_err(|e| FixtureError::Spec {
            path: file.clone(),
            message: e.to_string(),
        })?;
        text.push(b' ');
        std::fs::write(&file, text).map_err(|e| FixtureError::Spec {
            path: file.clone(),
            message: e.to_string(),
        })?;
    }
    Ok(manifest)
}
