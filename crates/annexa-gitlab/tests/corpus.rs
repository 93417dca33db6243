//! Every GitLab CI file of the real-world corpus maps (whole, or as a fragment of the file
//! that includes it) or is refused with a message; nothing panics.

use std::path::Path;

use annexa_model::pipeline::PipelineKind;
use annexa_source::{DirFiles, Limits, LocalFiles};

#[test]
fn corpus_maps() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/gitlab-ci");
    assert!(base.is_dir(), "corpus missing at {}", base.display());
    let (mut understood, mut partly, mut fragment, mut refused, mut included) = (0, 0, 0, 0, 0);
    let mut repos: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    repos.sort();
    for repo in repos {
        let files = DirFiles::new(&repo, Limits::default());
        let mut paths = Vec::new();
        let mut stack = vec![repo.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    paths.push(
                        e.path()
                            .strip_prefix(&repo)
                            .unwrap()
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                }
            }
        }
        paths.sort();
        // Files another file includes are analysed in its context.
        let mut reached = std::collections::BTreeSet::new();
        for p in &paths {
            if let Ok(y) = files.yaml(p) {
                for r in annexa_gitlab::references(p, &y, &files) {
                    if r != *p {
                        reached.insert(r);
                    }
                }
            }
        }
        for p in &paths {
            let name = format!("{}/{p}", repo.file_name().unwrap().to_string_lossy());
            if reached.contains(p) && p != ".gitlab-ci.yml" {
                included += 1;
                println!("included  {name}");
                continue;
            }
            let y = match files.yaml(p) {
                Ok(y) => y,
                Err(r) => {
                    refused += 1;
                    println!("refused   {name}: {}", r.message);
                    assert!(!r.message.is_empty());
                    continue;
                }
            };
            match annexa_gitlab::map(p, &y, &files) {
                Ok(m) => {
                    let pl = &m.pipeline;
                    if pl.kind == PipelineKind::Fragment {
                        fragment += 1;
                    } else if m.notes.is_empty() {
                        understood += 1;
                    } else {
                        partly += 1;
                    }
                    assert!(
                        !pl.jobs.is_empty()
                            || !pl.unanalysed.is_empty()
                            || pl.kind == PipelineKind::Fragment,
                        "{name}: a pipeline with no jobs and nothing unanalysed"
                    );
                    println!(
                        "{:<9} {name}: {} jobs, {} sources, {} unanalysed, {} externals{}",
                        if pl.kind == PipelineKind::Fragment {
                            "fragment"
                        } else if m.notes.is_empty() {
                            "ok"
                        } else {
                            "partly"
                        },
                        pl.jobs.len(),
                        pl.sources.len(),
                        pl.unanalysed.len(),
                        pl.externals.len(),
                        if m.notes.is_empty() {
                            String::new()
                        } else {
                            format!(" — {}", m.notes.join("; "))
                        }
                    );
                }
                Err(r) => {
                    refused += 1;
                    println!("refused   {name}: {}", r.message);
                }
            }
        }
    }
    println!(
        "gitlab-ci: understood {understood}, partly {partly}, fragment alone {fragment}, included {included}, refused {refused}"
    );
    assert!(understood + partly > 20);
}
