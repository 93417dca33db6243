#!/usr/bin/env python3
"""Generate a GitHub snapshot of an organisation with N repositories for the platform benchmark.

Writes the same layout `annexa collect github` writes (docs/snapshot.md): one JSON body per
resource under github/, and snapshot.json with every resource's status, ETag, fetch time and
SHA-256. Settings vary by repository number so the checks have work to do: some repositories
are protected by a ruleset only, some by classic protection, some not at all; some have
environments, outside collaborators, deploy keys with write, webhooks without TLS checks.
Deterministic for a given N and seed.

usage: gen_snapshot.py OUT_DIR [N] [--period]
"""

import hashlib
import json
import os
import random
import sys
import urllib.parse

KEEP = set(b"abcdefghijklmnopqrstuvwxyz0123456789._-")


def enc(seg: str) -> str:
    """The file-name encoding of one decoded path segment (crates/annexa-platform/src/path.rs)."""
    return "".join(chr(b) if b in KEEP else "%%%02X" % b for b in seg.encode())


def file_of(key: str) -> str:
    path, _, query = key.partition("?")
    segs = [urllib.parse.unquote(s) for s in path.strip("/").split("/")]
    names = [enc(s) for s in segs]
    if query:
        params = sorted(
            (urllib.parse.unquote(n), urllib.parse.unquote(v))
            for n, _, v in (p.partition("=") for p in query.split("&"))
        )
        names[-1] += "@" + "&".join(enc(n) + "=" + enc(v) for n, v in params)
    names[-1] += ".json"
    return os.path.join("github", *names)


def main() -> None:
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 10_000
    rnd = random.Random(27001)
    at = "2026-11-20T09:00:00Z"
    resources = {}

    def put(key, body, status=200):
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        rel = file_of(key)
        full = os.path.join(out, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        resources[key] = {
            "status": status,
            "etag": 'W/"%s"' % hashlib.sha1(data).hexdigest()[:16],
            "fetched_at": at,
            "sha256": hashlib.sha256(data).hexdigest(),
            "pages": 1,
        }

    users = ["user%d" % i for i in range(400)]
    U = lambda login: {"login": login, "id": users.index(login) + 1 if login in users else 0, "type": "User"}
    names = ["acme/svc-%05d" % i for i in range(n)]
    ruleset = {
        "id": 7, "name": "protect default", "target": "branch", "source_type": "Organization",
        "source": "acme", "enforcement": "active",
        "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "pull_request"}],
        "rules": [{"type": "deletion"}, {"type": "non_fast_forward"}],
    }
    put("/user", U("user0"))
    put("/orgs/acme", {"login": "acme", "two_factor_requirement_enabled": True})
    put("/orgs/acme/repos?type=all", [
        {"full_name": r, "name": r.split("/")[1], "private": True, "visibility": "private", "default_branch": "main"}
        for r in names
    ])
    put("/orgs/acme/members", [U(u) for u in users])
    put("/orgs/acme/members?filter=2fa_disabled", [U("user399")])
    put("/orgs/acme/members?role=admin", [U("user0"), U("user1")])
    put("/orgs/acme/outside_collaborators", [U("user398")])
    put("/orgs/acme/teams", [])
    put("/orgs/acme/rulesets", [{"id": 7, "name": "protect default", "enforcement": "active"}])
    put("/orgs/acme/rulesets/7", ruleset)
    put("/orgs/acme/actions/permissions", {"enabled_repositories": "all", "allowed_actions": "selected"})
    put("/orgs/acme/actions/permissions/workflow", {"default_workflow_permissions": "read"})
    put("/orgs/acme/actions/permissions/selected-actions", {"github_owned_allowed": True, "patterns_allowed": []})
    put("/orgs/acme/actions/permissions/fork-pr-contributor-approval", {"approval_policy": "all_external_contributors"})
    put("/orgs/acme/actions/runner-groups", {"total_count": 1, "runner_groups": [{"id": 1, "name": "Default", "visibility": "all", "default": True, "allows_public_repositories": False}]})
    put("/orgs/acme/actions/runners", {"total_count": 0, "runners": []})
    put("/orgs/acme/actions/secrets", {"total_count": 0, "secrets": []})
    put("/orgs/acme/hooks", [])
    alerts = []
    for i in range(0, n, 7):
        alerts.append({
            "number": i + 1, "state": "open", "created_at": "2026-%02d-01T00:00:00Z" % (1 + i % 10),
            "security_advisory": {"severity": ["critical", "high", "medium", "low"][i % 4], "summary": "advisory %d" % i},
            "repository": {"full_name": names[i]},
        })
    put("/orgs/acme/dependabot/alerts", alerts)
    put("/orgs/acme/code-scanning/alerts", [])
    put("/orgs/acme/secret-scanning/alerts", [])

    for i, full in enumerate(names):
        r = "/repos/" + full
        kind = i % 4
        put(r, {"full_name": full, "private": True, "visibility": "private", "default_branch": "main",
                "security_and_analysis": {"secret_scanning": {"status": "enabled" if i % 3 else "disabled"},
                                          "secret_scanning_push_protection": {"status": "enabled" if i % 5 else "disabled"}}})
        pr = {"type": "pull_request", "ruleset_source_type": "Organization", "ruleset_source": "acme", "ruleset_id": 7,
              "parameters": {"required_approving_review_count": 1 + (i % 2), "dismiss_stale_reviews_on_push": i % 3 == 0,
                             "require_code_owner_review": i % 2 == 0, "require_last_push_approval": False}}
        if kind == 0:  # ruleset only
            put(r + "/branches/main/protection", {"message": "Branch not protected"}, 404)
            rules = [pr, {"type": "deletion", "ruleset_id": 7}, {"type": "non_fast_forward", "ruleset_id": 7}]
        elif kind == 1:  # classic protection
            put(r + "/branches/main/protection", {
                "required_pull_request_reviews": {"required_approving_review_count": 1, "dismiss_stale_reviews": True},
                "enforce_admins": {"enabled": i % 8 == 1}, "allow_force_pushes": {"enabled": False},
                "allow_deletions": {"enabled": False},
                "required_status_checks": {"contexts": ["build", "codeql"] if i % 3 else ["build"]}})
            rules = []
        elif kind == 2:  # nothing
            put(r + "/branches/main/protection", {"message": "Branch not protected"}, 404)
            rules = []
        else:  # the token may not read classic protection
            put(r + "/branches/main/protection", {"message": "Resource not accessible by integration"}, 403)
            rules = [pr]
        put(r + "/rules/branches/main", rules)
        put(r + "/rulesets?includes_parents=true", [{"id": 7, "name": "protect default", "source_type": "Organization", "enforcement": "active"}])
        put(r + "/rulesets/7", ruleset)
        collab = [dict(U(users[(i + k) % 390]), permissions={"admin": k == 0, "maintain": k < 2, "push": k < 4, "triage": True, "pull": True}) for k in range(6)]
        if i % 11 == 0:
            collab.append(dict(U("user398"), permissions={"admin": False, "maintain": False, "push": True, "triage": True, "pull": True}))
        put(r + "/collaborators?affiliation=all", collab)
        put(r + "/collaborators?affiliation=outside", [c for c in collab if c["login"] == "user398"])
        put(r + "/teams", [])
        envs = [] if i % 2 else [{"name": "production", "protection_rules": [{"type": "required_reviewers", "prevent_self_review": i % 4 == 0, "reviewers": [{"type": "User"}]}] if i % 6 else [], "deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False} if i % 10 else None}]
        put(r + "/environments", {"total_count": len(envs), "environments": envs})
        for e in envs:
            put(r + "/environments/%s/deployment-branch-policies" % e["name"], {"total_count": 0, "branch_policies": []})
            put(r + "/environments/%s/secrets" % e["name"], {"total_count": 1, "secrets": [{"name": "DEPLOY_TOKEN"}]})
        put(r + "/actions/secrets", {"total_count": 1 if i % 5 == 0 else 0, "secrets": [{"name": "NPM_TOKEN"}] if i % 5 == 0 else []})
        put(r + "/actions/organization-secrets", {"total_count": 0, "secrets": []})
        put(r + "/keys", [{"id": i, "title": "deploy", "read_only": i % 13 != 0}])
        put(r + "/hooks", [{"id": i, "name": "web", "active": True, "events": ["push"], "config": {"url": "https://ci.example/hook", "insecure_ssl": "1" if i % 17 == 0 else "0"}}])
        put(r + "/actions/permissions", {"enabled": True, "allowed_actions": "all" if i % 9 == 0 else "selected"})
        put(r + "/actions/permissions/workflow", {"default_workflow_permissions": "write" if i % 7 == 0 else "read"})
        put(r + "/actions/permissions/fork-pr-contributor-approval", {"approval_policy": "all_external_contributors"})
        put(r + "/actions/runners", {"total_count": 0, "runners": []})
        put(r + "/codeowners/errors", {"errors": []})
        if i % 4 == 0:
            put(r + "/vulnerability-alerts", {"message": "Vulnerability alerts are disabled."}, 404)
        else:
            put(r + "/vulnerability-alerts", None, 204)

    manifest = {
        "format": "annexa-snapshot/1", "platform": "github", "base_url": "https://api.github.com",
        "host": "github.com", "collected_at": at, "finished_at": at, "complete": True, "synthetic": True,
        "collector": {"tool": "bench/gen_snapshot.py", "login": "user0", "scopes": []},
        "scope": {"org": "acme", "repositories": []},
        "period": None,
        "requests": {"total": len(resources), "not_modified": 0, "retries": 0, "per_repository": {}},
        "resources": resources,
    }
    with open(os.path.join(out, "snapshot.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print("%d repositories, %d resources in %s" % (n, len(resources), out))


if __name__ == "__main__":
    main()
