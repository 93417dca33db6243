//! Repository files that are not pipelines, read into small facts the checks use:
//! Dockerfile base images (dockerfile-parser), dependency-update configuration (Dependabot with
//! zizmor's typed model, Renovate as JSON or JSON5) and security policies.
//!
//! Architecture invariant: like every input crate, this one records facts and never judges.

use annexa_model::pipeline::{Pinning, Site};
use annexa_model::{Route, Span};
use annexa_source::YamlFile;

/// Which repository file a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RepoFileKind {
    Dockerfile,
    Dependabot,
    Renovate,
    SecurityPolicy,
}

/// Classify a repository-relative path.
pub fn classify(path: &str) -> Option<RepoFileKind> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let lower = file.to_ascii_lowercase();
    if lower == "security.md" && matches!(dir, "" | ".github" | "docs") {
        return Some(RepoFileKind::SecurityPolicy);
    }
    if dir == ".github" && matches!(file, "dependabot.yml" | "dependabot.yaml") {
        return Some(RepoFileKind::Dependabot);
    }
    let renovate_file = matches!(file, "renovate.json" | "renovate.json5")
        && matches!(dir, "" | ".github" | ".gitlab");
    if renovate_file
        || (dir.is_empty()
            && matches!(
                file,
                ".renovaterc" | ".renovaterc.json" | ".renovaterc.json5"
            ))
    {
        return Some(RepoFileKind::Renovate);
    }
    let docker = file == "Dockerfile"
        || file == "Containerfile"
        || file.starts_with("Dockerfile.")
        || file.starts_with("Containerfile.")
        || lower.ends_with(".dockerfile");
    docker.then_some(RepoFileKind::Dockerfile)
}

/// One `FROM` of a Dockerfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseImage {
    /// The image as written (`node:20`, `$BASE`, `builder`, `scratch`).
    pub image: String,
    pub kind: BaseKind,
    pub pinning: Pinning,
    pub site: Site,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseKind {
    /// An image from a registry.
    Registry,
    /// An earlier stage of the same Dockerfile.
    Stage,
    /// `scratch`: the empty image.
    Scratch,
    /// Chosen by a build argument (`$BASE`).
    Variable,
}

/// A parsed Dockerfile.
#[derive(Clone, Debug, Default)]
pub struct Dockerfile {
    pub bases: Vec<BaseImage>,
    /// Set when the grammar rejected the file and the `FROM` lines were read leniently.
    pub note: Option<String>,
}

/// A `FROM` as found: the image (with its byte span) and the stage alias.
struct RawFrom {
    image: String,
    span: Span,
    alias: Option<String>,
}

impl Dockerfile {
    pub fn parse(text: &str) -> Result<Dockerfile, String> {
        let (froms, note) = match dockerfile_parser::Dockerfile::parse(text) {
            Ok(parsed) => (
                parsed
                    .instructions
                    .iter()
                    .filter_map(|ins| match ins {
                        dockerfile_parser::Instruction::From(f) => Some(RawFrom {
                            image: f.image.content.trim().to_owned(),
                            span: Span {
                                start: f.image.span.start,
                                end: f.image.span.end,
                            },
                            alias: f.alias.as_ref().map(|a| a.content.trim().to_owned()),
                        }),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
                None,
            ),
            Err(e) => {
                let froms = lenient_froms(text);
                if froms.is_empty() {
                    return Err(format!(
                        "not a Dockerfile the parser understands, and no FROM line found: {}",
                        first_line(&e.to_string())
                    ));
                }
                (
                    froms,
                    Some(format!(
                        "the Dockerfile grammar rejected it ({}); FROM lines read one by one",
                        first_line(&e.to_string())
                    )),
                )
            }
        };
        let mut stages: Vec<String> = Vec::new();
        let mut bases = Vec::new();
        for (n, from) in froms.into_iter().enumerate() {
            let image = from.image;
            let lower = image.to_ascii_lowercase();
            let kind = if lower == "scratch" {
                BaseKind::Scratch
            } else if stages.iter().any(|s| s.eq_ignore_ascii_case(&image)) {
                BaseKind::Stage
            } else if image.contains('$') {
                BaseKind::Variable
            } else {
                BaseKind::Registry
            };
            if let Some(alias) = from.alias {
                stages.push(alias);
            }
            let span = from.span;
            bases.push(BaseImage {
                pinning: Pinning::of_image(&image),
                image,
                kind,
                site: Site {
                    route: Route::root().key("FROM").index(n),
                    span: Some(span),
                    ..Site::default()
                },
            });
        }
        Ok(Dockerfile { bases, note })
    }
}

/// Bracket depth of a JSON / JSON5 text, ignoring brackets inside strings.
fn json_depth(text: &str) -> usize {
    let (mut depth, mut max, mut quote, mut escaped) = (0usize, 0usize, None::<char>, false);
    for c in text.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    max = max.max(depth);
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    max
}

/// The parser's message without the quoted source line (which could hold a secret): its
/// position and expectation only.
fn first_line(s: &str) -> String {
    let position = s
        .split("-->")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_default();
    let expected = s
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("= "))
        .unwrap_or("syntax error");
    if position.is_empty() {
        expected.to_owned()
    } else {
        format!("at {position}: {expected}")
    }
}

/// The fallback for files the grammar rejects (heredocs, newer syntax): `FROM` instructions
/// are single logical lines, so they are read line by line, skipping heredoc bodies.
fn lenient_froms(text: &str) -> Vec<RawFrom> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut heredoc: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if let Some(end) = &heredoc {
            if trimmed == end {
                heredoc = None;
            }
            continue;
        }
        if let Some(i) = trimmed.find("<<") {
            let word: String = trimmed[i + 2..]
                .trim_start_matches(['-', '"', '\''])
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !word.is_empty() {
                heredoc = Some(word);
            }
        }
        let indent = line.len() - line.trim_start().len();
        let mut words = trimmed.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let rest: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
        let Some(image) = rest.first() else { continue };
        let alias = match (rest.get(1), rest.get(2)) {
            (Some(a), Some(name)) if a.eq_ignore_ascii_case("AS") => Some((*name).to_owned()),
            _ => None,
        };
        let rel = line[indent..].find(image).map_or(0, |i| i + indent);
        out.push(RawFrom {
            image: (*image).to_owned(),
            span: Span {
                start: start + rel,
                end: start + rel + image.len(),
            },
            alias,
        });
    }
    out
}

/// Dependency-update configuration (Dependabot or Renovate).
#[derive(Clone, Debug, Default)]
pub struct UpdateConfig {
    pub tool: &'static str,
    /// Package ecosystems / managers it updates, as written. Empty for Renovate's default
    /// (all managers).
    pub ecosystems: Vec<String>,
    /// Whether it updates GitHub Actions references.
    pub covers_actions: bool,
    /// Renovate `enabled: false`.
    pub disabled: bool,
    /// Where the update list is (for locations).
    pub site: Site,
    /// Whether updates wait a while after a release (Dependabot `cooldown`, Renovate
    /// `minimumReleaseAge` / `stabilityDays`).
    pub cooldown: bool,
    /// Dependabot entries that allow package-manager code to run during updates
    /// (`insecure-external-code-execution: allow`).
    pub code_execution: Vec<Site>,
    /// What the typed model did not understand, if anything.
    pub note: Option<String>,
}

impl UpdateConfig {
    /// Dependabot v2 from a loaded YAML file.
    pub fn dependabot(file: &YamlFile) -> Result<UpdateConfig, String> {
        let v = &file.value;
        let updates = v
            .get("updates")
            .and_then(yaml_serde::Value::as_sequence)
            .ok_or("no `updates:` list: not a Dependabot v2 configuration")?;
        let note =
            <github_actions_models::dependabot::v2::Dependabot as serde::Deserialize>::deserialize(
                v,
            )
            .err()
            .map(|e| format!("not understood by the typed Dependabot model: {e}"));
        let ecosystems: Vec<String> = updates
            .iter()
            .filter_map(|u| {
                u.get("package-ecosystem")
                    .and_then(yaml_serde::Value::as_str)
            })
            .map(String::from)
            .collect();
        let route = Route::root().key("updates");
        let cooldown = !updates.is_empty() && updates.iter().all(|u| u.get("cooldown").is_some());
        let code_execution = updates
            .iter()
            .enumerate()
            .filter(|(_, u)| {
                u.get("insecure-external-code-execution")
                    .and_then(yaml_serde::Value::as_str)
                    == Some("allow")
            })
            .map(|(i, _)| {
                let r = route.index(i).key("insecure-external-code-execution");
                Site {
                    span: file.span(&r),
                    route: r,
                    ..Site::default()
                }
            })
            .collect();
        Ok(UpdateConfig {
            cooldown,
            code_execution,
            tool: "Dependabot",
            covers_actions: ecosystems.iter().any(|e| e == "github-actions"),
            ecosystems,
            disabled: false,
            site: Site {
                span: file.key_span(&route),
                route,
                ..Site::default()
            },
            note,
        })
    }

    /// Renovate configuration (JSON, or JSON5 for `*.json5` and `.renovaterc`).
    pub fn renovate(path: &str, text: &str) -> Result<UpdateConfig, String> {
        // The JSON5 parser recurses without a limit: refuse deep nesting before parsing.
        let depth = json_depth(text);
        if depth > 64 {
            return Err(format!(
                "nests about {depth} levels deep, over the limit of 64; not examined"
            ));
        }
        let v: serde_json::Value = if path.ends_with(".json5") || path.ends_with(".renovaterc") {
            json5::from_str(text).map_err(|e| format!("invalid JSON5: {e}"))?
        } else {
            serde_json::from_str(text)
                .or_else(|_| json5::from_str(text))
                .map_err(|e| format!("invalid JSON: {e}"))?
        };
        let obj = v
            .as_object()
            .ok_or("a Renovate configuration must be a JSON object")?;
        let disabled = obj.get("enabled").and_then(serde_json::Value::as_bool) == Some(false);
        let managers: Vec<String> = obj
            .get("enabledManagers")
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let actions_off = obj
            .get("github-actions")
            .and_then(|g| g.get("enabled"))
            .and_then(serde_json::Value::as_bool)
            == Some(false);
        let covers_actions = !disabled
            && !actions_off
            && (managers.is_empty() || managers.iter().any(|m| m == "github-actions"));
        let cooldown = ["minimumReleaseAge", "stabilityDays"]
            .iter()
            .any(|k| obj.get(*k).is_some())
            || obj
                .get("packageRules")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|rules| {
                    rules.iter().any(|r| {
                        r.get("minimumReleaseAge").is_some() || r.get("stabilityDays").is_some()
                    })
                });
        Ok(UpdateConfig {
            tool: "Renovate",
            ecosystems: managers,
            covers_actions,
            disabled,
            site: Site::default(),
            cooldown,
            code_execution: Vec::new(),
            note: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(classify("Dockerfile"), Some(RepoFileKind::Dockerfile));
        assert_eq!(
            classify("build/Dockerfile.alpine"),
            Some(RepoFileKind::Dockerfile)
        );
        assert_eq!(classify("web.Dockerfile"), Some(RepoFileKind::Dockerfile));
        assert_eq!(
            classify(".github/SECURITY.md"),
            Some(RepoFileKind::SecurityPolicy)
        );
        assert_eq!(classify("src/SECURITY.md"), None);
        assert_eq!(
            classify(".github/dependabot.yml"),
            Some(RepoFileKind::Dependabot)
        );
        assert_eq!(classify("renovate.json5"), Some(RepoFileKind::Renovate));
        assert_eq!(classify(".renovaterc"), Some(RepoFileKind::Renovate));
        assert_eq!(classify("docs/renovate.json"), None);
    }

    #[test]
    fn dockerfile_bases() {
        let text = "ARG BASE=alpine:3.20\nFROM golang:1.22 AS build\nRUN go build\nFROM build AS test\nFROM ${BASE}\nFROM scratch\nFROM gcr.io/distroless/static@sha256:0000000000000000000000000000000000000000000000000000000000000000\n";
        let d = Dockerfile::parse(text).unwrap();
        let kinds: Vec<_> = d
            .bases
            .iter()
            .map(|b| (b.image.as_str(), b.kind, b.pinning))
            .collect();
        assert_eq!(
            kinds[0],
            ("golang:1.22", BaseKind::Registry, Pinning::Version)
        );
        assert_eq!(kinds[1].1, BaseKind::Stage);
        assert_eq!(kinds[2].1, BaseKind::Variable);
        assert_eq!(kinds[3].1, BaseKind::Scratch);
        assert_eq!(kinds[4].2, Pinning::Immutable);
        let s = d.bases[0].site.span.unwrap();
        assert_eq!(&text[s.start..s.end], "golang:1.22");
        // A heredoc the grammar rejects: FROM lines are still read, the heredoc body is not.
        let text =
            "FROM node:20 AS web\nRUN <<EOT\nFROM evil\nEOT\nFROM --platform=$BUILDPLATFORM web\n";
        let d = Dockerfile::parse(text).unwrap();
        let got: Vec<_> = d.bases.iter().map(|b| (b.image.as_str(), b.kind)).collect();
        assert_eq!(
            got,
            vec![("node:20", BaseKind::Registry), ("web", BaseKind::Stage)]
        );
    }

    #[test]
    fn renovate() {
        let r = UpdateConfig::renovate("renovate.json", r#"{"extends": ["config:recommended"]}"#)
            .unwrap();
        assert!(r.covers_actions);
        let r = UpdateConfig::renovate(
            "renovate.json5",
            "{ // comment\n enabledManagers: ['cargo'] }",
        )
        .unwrap();
        assert!(!r.covers_actions);
        assert!(UpdateConfig::renovate("renovate.json", "[1]").is_err());
        let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        assert!(
            UpdateConfig::renovate("renovate.json5", &deep)
                .unwrap_err()
                .contains("levels deep")
        );
    }
}
