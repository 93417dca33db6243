//! The files `annexa init` writes: an `annexa.toml` and six short CI/CD policies, written for
//! this project and meant to be edited. `approver` and `approved-on` are left empty for the
//! organisation to fill in when it approves them.

/// One file `annexa init` writes.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// Path relative to the folder being initialised, `/`-separated.
    pub path: &'static str,
    pub text: &'static str,
}

/// Every template, `annexa.toml` first.
pub const ALL: [Template; 7] = [
    Template {
        path: "annexa.toml",
        text: include_str!("../templates/annexa.toml"),
    },
    Template {
        path: "isms/policies/secure-development.md",
        text: include_str!("../templates/policies/secure-development.md"),
    },
    Template {
        path: "isms/policies/change-management.md",
        text: include_str!("../templates/policies/change-management.md"),
    },
    Template {
        path: "isms/policies/access-control.md",
        text: include_str!("../templates/policies/access-control.md"),
    },
    Template {
        path: "isms/policies/suppliers-and-third-party-components.md",
        text: include_str!("../templates/policies/suppliers-and-third-party-components.md"),
    },
    Template {
        path: "isms/policies/logging-and-monitoring.md",
        text: include_str!("../templates/policies/logging-and-monitoring.md"),
    },
    Template {
        path: "isms/policies/environment-separation.md",
        text: include_str!("../templates/policies/environment-separation.md"),
    },
];
