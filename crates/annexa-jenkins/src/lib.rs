//! Jenkinsfile input: a winnow grammar for Groovy's lexical structure ([`lex`]), statements
//! and calls on top of it ([`syntax`]), and the declarative pipeline mapped into the model
//! (`map`). Scripted pipelines (no `pipeline {}` block) map to a pipeline that records them
//! as not analysed, with their shared libraries and top-level calls named.

pub mod lex;
mod map;
pub mod syntax;

use annexa_model::DiagnosticKind;
use annexa_model::pipeline::Mapped;
use annexa_source::Refusal;

/// Whether a repository-relative path is a Jenkinsfile by its name.
pub fn classify_path(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file == "Jenkinsfile"
        || file.starts_with("Jenkinsfile.")
        || file.starts_with("Jenkinsfile-")
        || file.ends_with(".jenkinsfile")
}

/// Map a Jenkinsfile into the model. Refused only when the text does not lex as Groovy (the
/// message names the line and column) or holds no statement at all.
pub fn map(path: &str, text: &str) -> Result<Mapped, Refusal> {
    let toks = lex::lex(text).map_err(|e| {
        let (line, col) = line_col(text, e.offset);
        not_understood(format!(
            "not Groovy as far as annexa reads it: line {line}, column {col}: {}",
            e.message
        ))
    })?;
    map::map_file(path, text, &toks)
        .ok_or_else(|| not_understood("the file holds no Groovy statements"))
}

fn not_understood(message: impl Into<String>) -> Refusal {
    Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: message.into(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use annexa_model::pipeline::{Event, Pinning, RunnerKind, StepAction};

    use super::*;
    use crate::lex::{StrKind, TokKind, lex};

    fn strings(text: &str) -> Vec<(StrKind, String)> {
        fn walk(toks: &[lex::Tok<'_>], out: &mut Vec<(StrKind, String)>) {
            for t in toks {
                match &t.kind {
                    TokKind::Str(s) => out.push((s.kind, s.value.clone())),
                    TokKind::Group(_, inner) => walk(inner, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&lex(text).unwrap(), &mut out);
        out
    }

    #[test]
    fn comments_are_skipped_and_keep_newlines() {
        let toks = lex("a // x { ( '\n/* } ' \" */ b").unwrap();
        let words: Vec<_> = toks.iter().filter_map(|t| t.word()).collect();
        assert_eq!(words, ["a", "b"]);
        assert!(toks.iter().any(|t| t.kind == TokKind::Newline));
    }

    #[test]
    fn string_forms() {
        let s = strings(
            r#"x('a\'b', "c ${d("}")} e", '''l1
l2''', """t ${x}""", /re\/gex/, $/dollar $$ /$, "tab\t")"#,
        );
        assert_eq!(s[0], (StrKind::Single, "a'b".into()));
        assert_eq!(s[1], (StrKind::Double, "c ${d(\"}\")} e".into()));
        assert_eq!(s[2], (StrKind::TripleSingle, "l1\nl2".into()));
        assert_eq!(s[3], (StrKind::TripleDouble, "t ${x}".into()));
        assert_eq!(s[4], (StrKind::Slashy, "re/gex".into()));
        assert_eq!(s[5], (StrKind::DollarSlashy, "dollar $ ".into()));
        assert_eq!(s[6], (StrKind::Double, "tab\t".into()));
        // After a value, `/` divides.
        assert!(strings("x = a / b / c").is_empty());
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = map(
            "Jenkinsfile",
            "pipeline {\n  stages {\n    sh 'oops\n  }\n}\n",
        )
        .unwrap_err();
        assert!(e.message.contains("line 3, column 8"), "{}", e.message);
        let e = map("Jenkinsfile", "pipeline {\n  stages {\n}\n").unwrap_err();
        assert!(e.message.contains("line 1, column 10"), "{}", e.message);
        let e = map("Jenkinsfile", "node {\n}\n)\n").unwrap_err();
        assert!(e.message.contains("line 3, column 1"), "{}", e.message);
        let e = map("Jenkinsfile", "/* never closed").unwrap_err();
        assert!(e.message.contains("line 1, column 1"), "{}", e.message);
        assert!(map("Jenkinsfile", "// only a comment\n").is_err());
    }

    #[test]
    fn hostile_nesting_is_refused_not_overflowed() {
        let deep = format!("pipeline {}{}", "{".repeat(10_000), "}".repeat(10_000));
        let e = map("Jenkinsfile", &deep).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{}", e.message);
        let gstrings = format!("x = {}", "\"${".repeat(10_000));
        assert!(map("Jenkinsfile", &gstrings).is_err());
        let ok = format!("x = {}1{}", "(".repeat(50), ")".repeat(50));
        assert!(map("Jenkinsfile", &ok).is_ok());
    }

    const DECLARATIVE: &str = r#"@Library('shared@v1.2') _
pipeline {
    agent { docker { image 'node:20'; label 'docker'; registryCredentialsId 'hub' } }
    environment {
        TOKEN = credentials('api-token')
        MODE = 'fast'
    }
    triggers { cron('H 2 * * *') }
    stages {
        stage('Build') {
            steps {
                sh 'make'
                sh(script: """
                    trivy fs . || true
                """, returnStatus: true)
                withCredentials([usernamePassword(credentialsId: 'nexus', usernameVariable: 'U', passwordVariable: 'P')]) {
                    sh label: 'upload', script: 'curl -u $U:$P https://nexus'
                }
                script {
                    def v = sh(returnStdout: true, script: 'git describe').trim()
                }
            }
        }
        stage('CI') {
            parallel {
                stage('Linux') { agent any; steps { sh './test.sh' } }
                stage('PR only') {
                    when { changeRequest() }
                    steps { echo 'pr' }
                }
            }
        }
        stage('Deploy') {
            when { buildingTag() }
            input { message 'Ship?' }
            steps { sh 'kubectl apply -f k8s' }
        }
    }
    post { always { junit 'out/*.xml' } }
}
"#;

    #[test]
    fn maps_a_declarative_pipeline() {
        let m = map("Jenkinsfile", DECLARATIVE).unwrap();
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        let odd = map(
            "Jenkinsfile",
            "pipeline { stages { stage('a') { when { branch 'x' } steps { sh 'y' } } } }",
        )
        .unwrap();
        assert!(odd.notes[0].contains("skipped"), "{:?}", odd.notes);
        let p = &m.pipeline;
        let ext = &p.externals;
        assert_eq!(ext[0].name, "shared");
        assert_eq!(ext[0].pinning, Pinning::Version);
        assert_eq!(ext[1].raw, "node:20");
        let events: Vec<_> = p.triggers.iter().map(|t| t.event.clone()).collect();
        assert!(events.contains(&Event::PullRequest) && events.contains(&Event::Schedule));
        assert!(p.releases());
        let ids: Vec<_> = p.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["Build", "CI/Linux", "CI/PR only", "Deploy", "post"]);
        let build = &p.jobs[0];
        assert_eq!(
            build.runner.as_ref().map(|r| r.kind),
            Some(RunnerKind::SelfHosted)
        );
        let secrets: Vec<_> = build.secrets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(secrets, ["hub", "api-token", "nexus"]);
        assert_eq!(build.steps.len(), 4);
        let StepAction::Run { script, site, .. } = &build.steps[1].action else {
            panic!("{:?}", build.steps[1].action)
        };
        assert!(script.contains("trivy fs . || true"));
        let span = site.span.unwrap();
        assert!(DECLARATIVE[span.start..span.end].starts_with("\"\"\""));
        assert_eq!(site.route.to_string(), "stages.Build.steps[1].script");
        assert!(build.steps[1].continue_on_error.is_some());
        assert_eq!(build.steps[1].tools[0].name, "Trivy");
        assert_eq!(build.steps[2].name.as_deref(), Some("upload"));
        assert_eq!(build.steps[3].script(), Some("git describe"));
        assert_eq!(p.unanalysed.len(), 1);
        assert_eq!(p.unanalysed[0].what, "script block in stage 'Build'");
        let vars: Vec<_> = build.variables.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(vars, ["U", "P"]);
        // The job's site is the `stage('Build')` line.
        let s = build.site.span.unwrap();
        assert_eq!(&DECLARATIVE[s.start..s.end], "stage('Build')");
        let pr = &p.jobs[2];
        assert_eq!(
            pr.triggers.as_ref().map(|t| t[0].event.clone()),
            Some(Event::PullRequest)
        );
        let deploy = &p.jobs[3];
        assert!(deploy.manual_gate.is_some());
        assert!(deploy.triggers.as_ref().is_some_and(|t| t[0].release));
    }

    #[test]
    fn branch_conditions_leave_out_pull_requests() {
        let m = map(
            "Jenkinsfile",
            "pipeline { agent none\n stages { stage('x') { when { anyOf { branch 'main'; tag 'v*' } }\n steps { sh 'x' } } } }",
        )
        .unwrap();
        let t = m.pipeline.jobs[0].triggers.clone().unwrap();
        assert!(t.iter().all(|t| !t.event.untrusted()));
        assert!(m.pipeline.jobs[0].runner.is_none());
    }

    #[test]
    fn scripted_pipelines_are_recorded_not_refused() {
        let m = map(
            "Jenkinsfile",
            "@Library(['lib', 'other@main']) _\nnode('linux') {\n  sh 'make'\n}\nbuildPlugin(forkCount: '1C')\n",
        )
        .unwrap();
        let p = &m.pipeline;
        assert_eq!(p.externals.len(), 2);
        assert!(p.externals.iter().all(|e| e.pinning == Pinning::Mutable));
        assert_eq!(p.unanalysed.len(), 1);
        assert!(
            p.unanalysed[0]
                .what
                .starts_with("scripted pipeline: not analysed")
        );
        assert!(p.unanalysed[0].what.contains("`buildPlugin`"));
        assert_eq!(p.jobs.len(), 1);
    }

    #[test]
    fn paths() {
        assert!(classify_path("Jenkinsfile"));
        assert!(classify_path("ci/Jenkinsfile-s390x"));
        assert!(classify_path("build.jenkinsfile"));
        assert!(!classify_path("Jenkinsfile.md.txt/x"));
    }
}
