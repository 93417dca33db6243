//! Azure Pipelines input: `azure-pipelines.yml` and its templates mapped into the pipeline
//! model. Local `template:` and `extends:` references are expanded in place (each element keeps
//! the file it is written in and the chain it came through); templates in other repositories
//! are recorded as external references with their pinning and listed as not analysed.

mod map;
mod node;

use annexa_model::pipeline::Mapped;
use annexa_source::{LocalFiles, Refusal, YamlFile, resolve_path};
use yaml_serde::Value;

/// Whether a repository-relative path is an Azure Pipelines file by its name:
/// `azure-pipelines*.yml|yaml` and `*.azure-pipelines.yml|yaml` anywhere, YAML under the
/// conventional pipeline folders, and `.vsts*.yml` (the old name) at the root.
pub fn classify_path(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let lower = file.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yml")
        .or_else(|| lower.strip_suffix(".yaml"))
    else {
        return false;
    };
    if stem.starts_with("azure-pipelines") || stem.ends_with(".azure-pipelines") {
        return true;
    }
    if stem == ".azure-pipelines" {
        return true;
    }
    if dir.is_empty() && stem.starts_with(".vsts") {
        return true;
    }
    const FOLDERS: &[&str] = &[
        ".azure-pipelines",
        "azure-pipelines",
        ".azuredevops",
        ".pipelines",
    ];
    dir.split('/').any(|seg| FOLDERS.contains(&seg))
}

/// Repository files this one reaches directly through local `template:` references
/// (`extends: template:` included), as resolved repository-relative paths. Templates in other
/// repositories (`x.yml@repo`) and template paths computed by expressions are not included.
pub fn references(path: &str, file: &YamlFile) -> Vec<String> {
    fn walk(v: &Value, path: &str, out: &mut Vec<String>, depth: usize) {
        if depth > 64 {
            return;
        }
        match v {
            Value::Mapping(m) => {
                for (k, x) in m {
                    if k.as_str() == Some("template")
                        && let Some(t) = x.as_str()
                        && let Some(p) = local_template(path, t)
                        && !out.contains(&p)
                    {
                        out.push(p);
                    }
                    walk(x, path, out, depth + 1);
                }
            }
            Value::Sequence(s) => s.iter().for_each(|x| walk(x, path, out, depth + 1)),
            Value::Tagged(t) => walk(&t.value, path, out, depth + 1),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&file.value, path, &mut out, 0);
    out.sort();
    out
}

/// The repository-relative path of a local template reference, if it is one.
pub(crate) fn local_template(from: &str, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.contains("${{") || raw.contains("$(") || raw.is_empty() {
        return None;
    }
    let local = match raw.rsplit_once('@') {
        Some((p, "self")) => p,
        Some(_) => return None,
        None => raw,
    };
    resolve_path(from, local)
}

/// Map a pipeline (or a template found alone) into the model.
pub fn map(path: &str, file: &YamlFile, files: &dyn LocalFiles) -> Result<Mapped, Refusal> {
    map::map(path, file, files)
}

#[cfg(test)]
mod tests;
