#!/usr/bin/env python3
"""Side-by-side benchmark of annexa and its peers on the same corpus files, in one run.

Run by hand (not by `cargo test`): `bench/run.sh` creates the venv with the peers and calls
this script; `ONLY=ci bench/run.sh` runs only the section on the five other CI systems
(annexa per platform, and checkov's CI frameworks on the same folders). Each tool runs REPEAT times; the table shows the median wall time, peak RSS (of
the tool's own process tree, from wait4), files/s, checks run, findings, and the ratio of each
tool's median to annexa's. The machine is shared and noisy: only medians are compared.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
VENV = ROOT / "bench" / ".venv" / "bin"
ANNEXA = ROOT / "target" / "release" / "annexa"
FLOOR = ROOT / "target" / "release" / "examples" / "yaml_floor"
REPEAT = int(os.environ.get("REPEAT", "5"))
# checkov takes half a minute a run; its median needs fewer runs to be clear.
CHECKOV_REPEAT = int(os.environ.get("CHECKOV_REPEAT", "3"))
GNU_TIME = "/usr/bin/time"


def run(cmd, cwd=None):
    """Run cmd; return (wall seconds, peak RSS in MiB, exit code, stdout bytes).

    Peak RSS comes from GNU time, which forks the tool itself: a process forked straight from
    this (large) Python interpreter would report Python's peak as its own floor, because Linux
    keeps the pre-exec high-water mark in ru_maxrss.
    """
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        proc = subprocess.Popen([GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *cmd], stdout=out, stderr=subprocess.DEVNULL, cwd=cwd)
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        data = out.read()
        peak_kib = int((rss.read().strip().splitlines() or ["0"])[-1])
    return wall, peak_kib / 1024.0, os.waitstatus_to_exitcode(status), data


def measure(name, cmd, files, checks, count_findings, cwd=None, repeat=None):
    walls, rss, last = [], [], None
    for _ in range(repeat or REPEAT):
        wall, peak, code, data = run(cmd, cwd)
        walls.append(wall)
        rss.append(peak)
        last = (code, data)
    findings = count_findings(last[1]) if count_findings else None
    return {
        "tool": name,
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "peak_rss_mib": max(rss),
        "files": files,
        "files_per_s": files / statistics.median(walls),
        "checks": checks,
        "findings": findings,
        "exit": last[0],
    }


def workflow_files(repo):
    wf = repo / ".github" / "workflows"
    return sorted(p for p in wf.glob("*") if p.suffix in (".yml", ".yaml") and p.is_file()) if wf.is_dir() else []


def action_files(repo):
    return sorted(p for p in repo.rglob("action.y*ml") if p.name in ("action.yml", "action.yaml"))


CHECKOV_FRAMEWORK = {
    "gitlab-ci": "gitlab_ci",
    "azure-pipelines": "azure_pipelines",
    "circleci": "circleci_pipelines",
    "bitbucket": "bitbucket_pipelines",
    # checkov has no Jenkins framework.
    "jenkins": None,
}


def other_ci():
    """The five other CI systems: annexa's files/s per platform, and checkov's CI frameworks on
    the same folders in the same run."""
    results = []
    annexa_checks = len(json.loads(subprocess.check_output([str(ANNEXA), "checks", "--format", "json"])))

    def sarif_findings(data):
        return len(json.loads(data)["runs"][0]["results"])

    def checkov_findings(data):
        try:
            d = json.loads(data)
        except ValueError:
            return None
        reports = d if isinstance(d, list) else [d]
        return sum(len(r.get("results", {}).get("failed_checks", [])) for r in reports)

    all_repos = []
    for platform, framework in CHECKOV_FRAMEWORK.items():
        folder = CORPUS / platform
        repos = sorted(p for p in folder.iterdir() if p.is_dir())
        all_repos += repos
        # The files annexa reads (includes and templates reached from entry points count).
        report = json.loads(subprocess.check_output([str(ANNEXA), "scan", *map(str, repos), "--format", "json"]))
        files = sum(1 for f in report["files"] if f.get("role"))
        a = measure(f"annexa {platform}", [str(ANNEXA), "scan", *map(str, repos), "--format", "sarif"], files, annexa_checks, sarif_findings)
        a["platform"] = platform
        results.append(a)
        if framework:
            c = measure(f"checkov {framework}", [str(VENV / "checkov"), "-d", str(folder), "--framework", framework, "-o", "json", "--quiet", "--skip-download"], files, None, checkov_findings, repeat=CHECKOV_REPEAT)
            c["platform"] = platform
            c["ratio_to_annexa"] = c["median_s"] / a["median_s"]
            results.append(c)
    # All five in one run, and checkov's four CI frameworks over the same four folders.
    report = json.loads(subprocess.check_output([str(ANNEXA), "scan", *map(str, all_repos), "--format", "json"]))
    files = sum(1 for f in report["files"] if f.get("role"))
    a = measure("annexa all five", [str(ANNEXA), "scan", *map(str, all_repos), "--format", "sarif"], files, annexa_checks, sarif_findings)
    results.append(a)
    frameworks = ",".join(f for f in CHECKOV_FRAMEWORK.values() if f)
    dirs = []
    for platform, framework in CHECKOV_FRAMEWORK.items():
        if framework:
            dirs += ["-d", str(CORPUS / platform)]
    c = measure("checkov 4 CI frameworks", [str(VENV / "checkov"), *dirs, "--framework", frameworks, "-o", "json", "--quiet", "--skip-download"], files, None, checkov_findings, repeat=CHECKOV_REPEAT)
    c["ratio_to_annexa"] = c["median_s"] / a["median_s"]
    results.append(c)

    print(f"\nother CI systems: {REPEAT} runs each ({CHECKOV_REPEAT} for checkov); files = pipeline files annexa read (entry points, fragments, includes)\n")
    print(f"{'tool':<34} {'median s':>9} {'min s':>8} {'peak MiB':>9} {'files':>6} {'files/s':>9} {'findings':>9} {'x annexa':>9}")
    for r in results:
        ratio = r.get("ratio_to_annexa")
        print(
            f"{r['tool']:<34} {r['median_s']:>9.3f} {r['min_s']:>8.3f} {r['peak_rss_mib']:>9.1f} {r['files']:>6} {r['files_per_s']:>9.0f} "
            f"{str(r['findings'] if r['findings'] is not None else '-'):>9} {('%.1f' % ratio) if ratio else '-':>9}"
        )
    return results


def main():
    only = os.environ.get("ONLY", "")
    if only == "ci":
        results = other_ci()
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "latest-ci.json").write_text(json.dumps(results, indent=2) + "\n")
        return 0
    gha = CORPUS / "github-actions"
    repos = sorted(p for p in gha.iterdir() if p.is_dir())
    wfs = [f for r in repos for f in workflow_files(r)]
    acts = [f for r in repos for f in action_files(r)]
    all_files = wfs + acts
    results = []

    annexa_checks = len(json.loads(subprocess.check_output([str(ANNEXA), "checks", "--format", "json"])))

    def annexa_findings(data):
        return len(json.loads(data)["findings"])

    def sarif_findings(data):
        return len(json.loads(data)["runs"][0]["results"])

    # Findings only (SARIF), as the peers report; then the full evidence report (JSON: every
    # pass, unknown and control status as well).
    results.append(measure("annexa (sarif)", [str(ANNEXA), "scan", *map(str, repos), "--format", "sarif"], len(all_files), annexa_checks, sarif_findings))
    results.append(measure("annexa (json, evidence)", [str(ANNEXA), "scan", *map(str, repos), "--format", "json"], len(all_files), annexa_checks, annexa_findings))

    with tempfile.NamedTemporaryFile("w", delete=False) as lst:
        lst.write("\n".join(map(str, all_files)))
    results.append(measure("yaml parse floor", [str(FLOOR), "@" + lst.name], len(all_files), 0, None))

    # zizmor aborts its whole run on a file it cannot load: find those repositories first,
    # then time one run over the others and count the aborts.
    zizmor = str(VENV / "zizmor")
    aborted = []
    for r in repos:
        _, _, code, _ = run([zizmor, "--offline", "--no-progress", "--format", "json", str(r)])
        if code not in (0, 10, 11, 12, 13, 14):
            aborted.append(r)
    ok_repos = [r for r in repos if r not in aborted]
    ok_files = sum(len(workflow_files(r)) + len(action_files(r)) for r in ok_repos)
    def zizmor_findings(data):
        try:
            return len(json.loads(data))
        except ValueError:
            return None

    z = measure("zizmor --offline", [zizmor, "--offline", "--no-progress", "--format", "json", *map(str, ok_repos)], ok_files, None, zizmor_findings)
    _, _, _, data = run([zizmor, "--offline", "--no-progress", "--format", "json", *map(str, ok_repos)])
    fired = sorted({f.get("ident") for f in json.loads(data)} - {None})
    z["note"] = (
        f"{len(aborted)} of {len(repos)} repositories abort zizmor's run and are left out "
        f"({', '.join(r.name for r in aborted)}); {len(fired)} zizmor audits produced findings"
    )
    results.append(z)

    def actionlint_findings(data):
        try:
            return len(json.loads(data))
        except ValueError:
            return None

    results.append(measure("actionlint", [str(VENV / "actionlint"), "-format", "{{json .}}", *map(str, wfs)], len(wfs), None, actionlint_findings))

    def checkov_findings(data):
        try:
            d = json.loads(data)
        except ValueError:
            return None
        reports = d if isinstance(d, list) else [d]
        return sum(len(r.get("results", {}).get("failed_checks", [])) for r in reports)

    ck = measure("checkov github_actions", [str(VENV / "checkov"), "-d", str(gha), "--framework", "github_actions", "-o", "json", "--quiet", "--skip-download"], len(wfs), None, checkov_findings, repeat=CHECKOV_REPEAT)
    results.append(ck)

    base = results[0]["median_s"]
    print(f"corpus: {len(repos)} repositories, {len(wfs)} workflows, {len(acts)} action files; {REPEAT} runs each ({CHECKOV_REPEAT} for checkov)\n")
    print(f"{'tool':<24} {'median s':>9} {'min s':>8} {'peak MiB':>9} {'files/s':>9} {'checks':>7} {'findings':>9} {'x annexa':>9}")
    for r in results:
        print(
            f"{r['tool']:<24} {r['median_s']:>9.3f} {r['min_s']:>8.3f} {r['peak_rss_mib']:>9.1f} {r['files_per_s']:>9.0f} "
            f"{str(r['checks'] or '-'):>7} {str(r['findings'] if r['findings'] is not None else '-'):>9} {r['median_s'] / base:>9.2f}"
        )
    for r in results:
        if r.get("note"):
            print(f"note: {r['tool']}: {r['note']}")
    results += other_ci()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
