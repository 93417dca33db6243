//! Every Azure Pipelines file of the real-world corpus maps (whole, partly or as a fragment)
//! or is refused with a message naming what was wrong. Templates resolve against the corpus
//! repository folder the file belongs to.
//!
//! `cargo test -p annexa-azure --test corpus -- --nocapture` prints per-file status and totals.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use annexa_model::pipeline::PipelineKind;
use annexa_source::{DirFiles, Limits, YamlFile, read_text};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn corpus_maps() {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/azure-pipelines");
    assert!(root.is_dir(), "corpus folder missing: {}", root.display());
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    assert!(!all.is_empty(), "no corpus files under {}", root.display());
    let limits = Limits::default();
    let (mut understood, mut partly, mut fragment, mut refused) = (0, 0, 0, 0);
    let (mut resolved, mut missing) = (0, 0);
    for abs in &all {
        let rel = abs.strip_prefix(&root).expect("under the corpus root");
        let mut parts = rel.iter();
        let repo = parts.next().expect("repository folder");
        let path: PathBuf = parts.collect();
        let path = path.to_string_lossy().replace('\\', "/");
        let dir = DirFiles::new(&root.join(repo), limits);
        let shown = rel.display();
        let parsed = read_text(abs, &limits).and_then(|t| YamlFile::parse(t, &limits));
        let file = match parsed {
            Ok(f) => Arc::new(f),
            Err(r) => {
                assert!(!r.message.is_empty(), "{shown}: refusal without a message");
                println!("refused    {shown}: {}", r.message);
                refused += 1;
                continue;
            }
        };
        dir.insert(&path, Ok(file.clone()));
        match annexa_azure::map(&path, &file, &dir) {
            Ok(m) => {
                let p = &m.pipeline;
                resolved += p.sources.len();
                missing += m.notes.iter().filter(|n| n.contains("not found")).count();
                let status = if p.kind == PipelineKind::Fragment {
                    fragment += 1;
                    "fragment"
                } else if m.notes.is_empty() {
                    understood += 1;
                    "understood"
                } else {
                    partly += 1;
                    "partly"
                };
                if p.kind != PipelineKind::Fragment {
                    assert!(
                        !p.jobs.is_empty(),
                        "{shown}: a pipeline with no jobs ({:?})",
                        m.notes
                    );
                }
                println!(
                    "{status:<10} {shown}: {} jobs, {} steps, {} templates read, {} unanalysed, {} notes",
                    p.jobs.len(),
                    p.steps().count(),
                    p.sources.len(),
                    p.unanalysed.len(),
                    m.notes.len()
                );
                for n in m.notes.iter().take(3) {
                    println!("             - {n}");
                }
            }
            Err(r) => {
                assert!(!r.message.is_empty(), "{shown}: refusal without a message");
                println!("refused    {shown}: {}", r.message);
                refused += 1;
            }
        }
    }
    println!(
        "\n{} files: {understood} understood, {partly} partly, {fragment} fragment, {refused} refused; templates read {resolved}, missing {missing}",
        all.len()
    );
}
