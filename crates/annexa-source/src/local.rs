//! Other files of the same repository, for pipelines that include or template them (GitLab
//! `include: local`, Azure `template:`). Reads are confined to the repository, pass the same
//! gate as every other file, and are cached so a file included twice is read once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use annexa_model::DiagnosticKind;

use crate::{Limits, Refusal, YamlFile, read_text};

/// Access to the repository's files by repository-relative, `/`-separated path.
pub trait LocalFiles: Sync {
    /// The file at `path`, gated and parsed as YAML.
    fn yaml(&self, path: &str) -> Result<Arc<YamlFile>, Refusal>;
    /// Repository-relative paths of the files matching a glob (`*` stays inside one folder,
    /// `**` crosses folders), sorted.
    fn glob(&self, pattern: &str) -> Vec<String>;
}

/// Resolve `target` against the file `from` is in, or against the repository root when it
/// starts with `/`. `..` is applied; a path that leaves the repository is refused (`None`).
pub fn resolve_path(from: &str, target: &str) -> Option<String> {
    let target = target.trim();
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

fn missing(path: &str) -> Refusal {
    Refusal {
        kind: DiagnosticKind::Unreadable,
        message: format!("`{path}`: no such file in the repository"),
    }
}

type Cache = Mutex<BTreeMap<String, Result<Arc<YamlFile>, Refusal>>>;

/// The files of a repository folder on disk.
pub struct DirFiles {
    root: PathBuf,
    canonical_root: PathBuf,
    limits: Limits,
    cache: Cache,
    /// Every path asked for, for the engine to list what a pipeline read.
    listing: Mutex<Option<Vec<String>>>,
}

impl DirFiles {
    pub fn new(root: &Path, limits: Limits) -> DirFiles {
        DirFiles {
            root: root.to_owned(),
            canonical_root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned()),
            limits,
            cache: Mutex::new(BTreeMap::new()),
            listing: Mutex::new(None),
        }
    }

    /// Seed the cache with a file already read (so the engine's own parse is reused).
    pub fn insert(&self, path: &str, file: Result<Arc<YamlFile>, Refusal>) {
        if let Ok(mut c) = self.cache.lock() {
            c.insert(path.to_owned(), file);
        }
    }

    /// Every file read through this value, with how it went.
    pub fn read(&self) -> Vec<(String, Result<Arc<YamlFile>, Refusal>)> {
        self.cache
            .lock()
            .map(|c| c.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    fn load(&self, path: &str) -> Result<Arc<YamlFile>, Refusal> {
        let abs = self.root.join(path);
        let canonical = std::fs::canonicalize(&abs).map_err(|_| missing(path))?;
        if !canonical.starts_with(&self.canonical_root) {
            return Err(Refusal {
                kind: DiagnosticKind::SymlinkOutsideTree,
                message: format!("`{path}` leaves the repository; refused"),
            });
        }
        if !canonical.is_file() {
            return Err(missing(path));
        }
        let text = read_text(&canonical, &self.limits)?;
        YamlFile::parse(text, &self.limits).map(Arc::new)
    }

    fn all_files(&self) -> Vec<String> {
        let mut listing = match self.listing.lock() {
            Ok(l) => l,
            Err(_) => return Vec::new(),
        };
        if let Some(l) = &*listing {
            return l.clone();
        }
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        // Bounded: a glob never walks more than this many entries (in sorted order); files
        // beyond it are not matched. Repositories this large keep their CI includes in few
        // folders; the bound only stops a hostile tree.
        let mut budget = 100_000usize;
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            // Sorted, so that what the budget admits never depends on the file system.
            let mut entries: Vec<_> = entries.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                budget = budget.saturating_sub(1);
                if budget == 0 {
                    break;
                }
                let Ok(ft) = e.file_type() else { continue };
                let p = e.path();
                if ft.is_dir() {
                    if e.file_name() != ".git" {
                        stack.push(p);
                    }
                } else if ft.is_file()
                    && let Ok(rel) = p.strip_prefix(&self.root)
                {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        out.sort();
        *listing = Some(out.clone());
        out
    }
}

impl LocalFiles for DirFiles {
    fn yaml(&self, path: &str) -> Result<Arc<YamlFile>, Refusal> {
        if let Ok(c) = self.cache.lock()
            && let Some(hit) = c.get(path)
        {
            return hit.clone();
        }
        let loaded = self.load(path);
        self.insert(path, loaded.clone());
        loaded
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        glob_in(pattern, &self.all_files())
    }
}

/// Files held in memory, for tests and for callers that have the texts already.
#[derive(Default)]
pub struct MemoryFiles {
    files: BTreeMap<String, Arc<str>>,
    limits: Limits,
}

impl MemoryFiles {
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    pub fn with(mut self, path: &str, text: &str) -> MemoryFiles {
        self.files.insert(path.to_owned(), Arc::from(text));
        self
    }
}

impl LocalFiles for MemoryFiles {
    fn yaml(&self, path: &str) -> Result<Arc<YamlFile>, Refusal> {
        let text = self.files.get(path).ok_or_else(|| missing(path))?;
        YamlFile::parse(text.clone(), &self.limits).map(Arc::new)
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        let all: Vec<String> = self.files.keys().cloned().collect();
        glob_in(pattern, &all)
    }
}

fn glob_in(pattern: &str, paths: &[String]) -> Vec<String> {
    let pattern = pattern.trim().trim_start_matches('/');
    let Ok(glob) = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
    else {
        return Vec::new();
    };
    let m = glob.compile_matcher();
    paths
        .iter()
        .filter(|p| m.is_match(p.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            resolve_path("a/b/c.yml", "d.yml").as_deref(),
            Some("a/b/d.yml")
        );
        assert_eq!(
            resolve_path("a/b/c.yml", "../d.yml").as_deref(),
            Some("a/d.yml")
        );
        assert_eq!(
            resolve_path("a/b/c.yml", "/x/y.yml").as_deref(),
            Some("x/y.yml")
        );
        assert_eq!(resolve_path("c.yml", "../../etc/passwd"), None);
    }

    #[test]
    fn globs() {
        let m = MemoryFiles::new()
            .with("ci/a.yml", "a: 1")
            .with("ci/sub/b.yml", "b: 1")
            .with("other.yml", "c: 1");
        assert_eq!(m.glob("/ci/*.yml"), vec!["ci/a.yml"]);
        assert_eq!(m.glob("ci/**/*.yml"), vec!["ci/a.yml", "ci/sub/b.yml"]);
        assert!(m.yaml("nope.yml").is_err());
        assert!(m.yaml("ci/a.yml").is_ok());
    }
}
