use super::*;
use annexa_model::CheckId;

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn policy_text(front: &str) -> String {
    format!("---\n{front}---\n\nThe CI pipeline runs tests.\n")
}

const BASE: &str = "id: POL-X\ntitle: X\nowner: Someone\nreview-interval: 12 months\n\
                    controls: [A.8.32]\nversion: 1\n";

#[test]
fn every_policy_template_parses_names_real_controls_and_mentions_cicd() {
    let policies: Vec<_> = templates::ALL
        .iter()
        .filter(|t| t.path.ends_with(".md"))
        .collect();
    assert_eq!(policies.len(), 6);
    let mut ids = Vec::new();
    for t in policies {
        assert!(t.path.starts_with(POLICY_DIR), "{}", t.path);
        let p = parse_policy(Path::new(t.path), t.text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!p.controls.is_empty(), "{}", t.path);
        let state = review(&p, date("2026-11-26"));
        assert!(
            !state.approved && !state.overdue,
            "{}: left for the organisation",
            t.path
        );
        assert!(state.mentions_cicd, "{}", t.path);
        assert!(!ids.contains(&p.id), "duplicate id {}", p.id);
        ids.push(p.id.clone());
        // Every backticked word in the Evidence section that looks like a check id is one.
        let evidence = p
            .body
            .split("## Evidence")
            .nth(1)
            .expect("Evidence section");
        let named: Vec<&str> = evidence
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| w.contains('-') && !w.contains(' '))
            .collect();
        assert!(named.len() >= 2, "{}: names annexa checks", t.path);
        for w in named {
            assert!(
                CheckId::parse(w).is_some(),
                "{}: `{w}` is not a check",
                t.path
            );
        }
    }
}

#[test]
fn annexa_toml_template_starts_with_schema_comment() {
    assert!(templates::ALL[0].text.starts_with("#:schema "));
    assert_eq!(templates::ALL[0].path, "annexa.toml");
}

#[test]
fn approved_policy_past_its_interval_is_overdue() {
    let text = policy_text(&format!("{BASE}approver: CISO\napproved-on: 2025-10-26\n"));
    let p = parse_policy(Path::new("p.md"), &text).unwrap();
    let state = review(&p, date("2026-11-26"));
    assert!(state.approved);
    assert_eq!(state.next_review, Some(date("2026-10-26")));
    assert!(state.overdue);
    let state = review(&p, date("2026-10-26"));
    assert!(!state.overdue, "due on the day, not overdue");
}

#[test]
fn approval_needs_both_approver_and_date() {
    let text = policy_text(&format!("{BASE}approved-on: 2025-10-26\n"));
    let p = parse_policy(Path::new("p.md"), &text).unwrap();
    let state = review(&p, date("2027-11-26"));
    assert!(!state.approved && !state.overdue && state.next_review.is_none());
}

#[test]
fn unknown_key_is_an_error_naming_file_and_line() {
    let text = policy_text(&format!("{BASE}reveiw-interval: 6 months\n"));
    let e = parse_policy(Path::new("isms/policies/p.md"), &text).unwrap_err();
    assert_eq!(e.line, 8, "{e}");
    let s = e.to_string();
    assert!(s.starts_with("isms/policies/p.md:8: "), "{s}");
    assert!(s.contains("reveiw-interval"), "{s}");
}

#[test]
fn bad_values_point_at_their_line() {
    let text = policy_text(
        "id: POL-X\ntitle: X\nowner: O\nreview-interval: 12 months\ncontrols:\n  - A.8.32\n  \
         - A.9.99\nversion: 1\n",
    );
    let e = parse_policy(Path::new("p.md"), &text).unwrap_err();
    assert_eq!(e.line, 8, "{e}");
    assert!(e.message.contains("A.9.99"), "{e}");

    let text = policy_text(&BASE.replace("12 months", "yearly"));
    let e = parse_policy(Path::new("p.md"), &text).unwrap_err();
    assert_eq!(e.line, 5, "{e}");

    let text = policy_text(&format!("{BASE}approver: A\napproved-on: 2026-13-01\n"));
    let e = parse_policy(Path::new("p.md"), &text).unwrap_err();
    assert_eq!(e.line, 9, "{e}");

    let e = parse_policy(Path::new("p.md"), "# no front matter\n").unwrap_err();
    assert_eq!(e.line, 1);
}

#[test]
fn missing_field_is_an_error() {
    let text = policy_text(&BASE.replace("owner: Someone\n", ""));
    let e = parse_policy(Path::new("p.md"), &text).unwrap_err();
    assert!(e.message.contains("owner"), "{e}");
}

#[test]
fn intervals() {
    let i = ReviewInterval::parse("6 months").unwrap();
    assert_eq!(i.after(date("2026-08-31")), Some(date("2027-02-28")));
    assert_eq!(
        ReviewInterval::parse("1 year").unwrap().to_string(),
        "1 year"
    );
    assert!(ReviewInterval::parse("0 months").is_none());
    assert!(ReviewInterval::parse("12").is_none());
    assert!(ReviewInterval::parse("12 fortnights").is_none());
}

#[test]
fn cicd_mentions() {
    for yes in [
        "Our CI runs",
        "ci/cd",
        "the Pipeline",
        "Continuous\nDelivery",
        "continuous integration",
        "CD:",
    ] {
        assert!(mentions_cicd(yes), "{yes}");
    }
    for no in [
        "decide",
        "circle",
        "pipelined-ish? no: pipelining",
        "continuously",
    ] {
        assert!(!mentions_cicd(no), "{no}");
    }
}

#[test]
fn load_reports_duplicates_and_sorts() {
    let dir = std::env::temp_dir().join(format!("annexa-isms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("b.md"), policy_text(BASE)).unwrap();
    std::fs::write(dir.join("a.md"), policy_text(BASE)).unwrap();
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
    let (ok, errors) = load_policies(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(ok.len(), 1);
    assert!(ok[0].path.ends_with("a.md"));
    assert_eq!(errors.len(), 1);
    assert!(errors[0].path.ends_with("b.md") && errors[0].line == 2);
}
