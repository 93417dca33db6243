//! Compiles the Annex A catalogue, the crosswalk and the evidence requirements (CSV files under
//! `data/`, copied from `shared/reference/`) into typed Rust tables. A malformed row fails the
//! build with the file and row named, so a bad edit never reaches a binary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let data = Path::new("data");
    for f in [
        "iso27001-2022-annex-a.csv",
        "crosswalk.csv",
        "evidence-requirements.csv",
    ] {
        println!("cargo:rerun-if-changed=data/{f}");
    }
    let mut out = String::new();
    let controls = read(&data.join("iso27001-2022-annex-a.csv"));
    let mut variants = BTreeMap::new();

    out.push_str("/// An Annex A control of ISO/IEC 27001:2022 (generated from `data/iso27001-2022-annex-a.csv`).\n");
    out.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum ControlId {\n");
    for row in &controls {
        let id = &row["id"];
        let variant = id.replace("A.", "A").replace('.', "_");
        let _ = writeln!(out, "    /// {id} {}", row["title"]);
        let _ = writeln!(out, "    {variant},");
        variants.insert(id.clone(), variant);
    }
    out.push_str("}\n\n");
    assert_eq!(controls.len(), 93, "Annex A must list 93 controls");

    out.push_str(
        "/// All 93 Annex A controls in catalogue order.\npub static CONTROLS: [Control; 93] = [\n",
    );
    for row in &controls {
        let _ = writeln!(
            out,
            "    Control {{ id: ControlId::{}, code: {:?}, title: {:?}, theme: Theme::{}, control_types: {:?}, properties: {:?}, concepts: {:?}, capabilities: {:?}, domains: {:?}, new_in_2022: {}, relevance: Relevance::{}, relevance_note: {:?} }},",
            variants[&row["id"]],
            row["id"],
            row["title"],
            row["theme"],
            row["control_type"],
            row["information_security_properties"],
            row["cybersecurity_concepts"],
            row["operational_capabilities"],
            row["security_domains"],
            row["new_in_2022"] == "yes",
            capitalise(&row["cicd_relevance"]),
            row["cicd_relevance_note"],
        );
    }
    out.push_str("];\n\n");

    let crosswalk = read(&data.join("crosswalk.csv"));
    out.push_str("/// Crosswalk rows (generated from `data/crosswalk.csv`).\npub static CROSSWALK: &[CrosswalkRow] = &[\n");
    for (n, row) in crosswalk.iter().enumerate() {
        let control = variants.get(&row["iso_control"]).unwrap_or_else(|| {
            panic!(
                "crosswalk.csv row {}: unknown control {}",
                n + 2,
                row["iso_control"]
            )
        });
        let framework = match row["framework"].as_str() {
            "SOC 2 TSC 2017" => "Soc2",
            "PCI DSS v4.0" => "PciDss4",
            "NIS2 Art. 21(2)" => "Nis2",
            "DORA (EU) 2022/2554" => "Dora",
            "NIST CSF 2.0" => "NistCsf2",
            "NIST SP 800-218 SSDF v1.1" => "Ssdf",
            "SLSA v1.0 Build track" => "Slsa",
            "CIS Software Supply Chain Security Guide v1.0" => "CisSsc",
            "OWASP Top 10 CI/CD Security Risks" => "OwaspCicd",
            other => panic!("crosswalk.csv row {}: unknown framework {other}", n + 2),
        };
        let _ = writeln!(
            out,
            "    CrosswalkRow {{ control: ControlId::{control}, framework: Framework::{framework}, requirement_id: {:?}, title: {:?}, relation: Relation::{}, source: {:?}, confidence: {:?}, note: {:?} }},",
            row["requirement_id"],
            row["requirement_title_short"],
            capitalise(&row["relation"]),
            row["source"],
            row["confidence"],
            row["note"],
        );
    }
    out.push_str("];\n\n");

    let reqs = read(&data.join("evidence-requirements.csv"));
    assert_eq!(
        reqs.len(),
        93,
        "evidence-requirements.csv must have one row per control"
    );
    out.push_str("/// Operating and attestation requirements per control, in catalogue order\n/// (generated from `data/evidence-requirements.csv`).\npub static EVIDENCE_REQUIREMENTS: [ControlRequirements; 93] = [\n");
    for (n, (row, control)) in reqs.iter().zip(&controls).enumerate() {
        assert_eq!(
            row["control"],
            control["id"],
            "evidence-requirements.csv row {}: out of catalogue order",
            n + 2
        );
        let pops: Vec<String> = split(&row["populations"])
            .map(|p| format!("Population::{}", pascal(p)))
            .collect();
        let atts: Vec<String> = split(&row["attestations"])
            .map(|a| format!("AttestationKind::{}", pascal(a)))
            .collect();
        assert!(
            !pops.is_empty() || !atts.is_empty(),
            "evidence-requirements.csv row {}: a control needs an operating or attestation requirement",
            n + 2
        );
        let _ = writeln!(
            out,
            "    ControlRequirements {{ control: ControlId::{}, populations: &[{}], attestations: &[{}] }},",
            variants[&row["control"]],
            pops.join(", "),
            atts.join(", "),
        );
    }
    out.push_str("];\n");

    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo")).join("catalogue.rs");
    std::fs::write(dest, out).expect("write generated catalogue");
}

fn read(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().expect("csv header").clone();
    reader
        .records()
        .enumerate()
        .map(|(n, rec)| {
            let rec = rec.unwrap_or_else(|e| panic!("{} row {}: {e}", path.display(), n + 2));
            headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(';').map(str::trim).filter(|p| !p.is_empty())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn pascal(s: &str) -> String {
    s.split('-').map(capitalise).collect()
}
