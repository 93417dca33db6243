//! Control status: four dimensions, never collapsed from configuration alone, and the one
//! documented table that derives the overall status from them (DESIGN.md §3).

/// From the Statement of Applicability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Declared {
    /// No SoA decision recorded for the control.
    Undeclared,
    Applicable,
    Excluded,
}

/// The state of one evidence dimension (design, operation or attestation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// No evidence either way (nothing ran, or everything was `unknown`).
    NotAssessed,
    DoesNotMeet,
    Partly,
    Meets,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::NotAssessed => "not-assessed",
            Level::DoesNotMeet => "does-not-meet",
            Level::Partly => "partly",
            Level::Meets => "meets",
        }
    }

    /// Level of a set of observation counts for one requirement in one scope.
    ///
    /// | pass | fail | unknown | level |
    /// |---|---|---|---|
    /// | 0 | 0 | any | not-assessed |
    /// | >0 | 0 | 0 | meets |
    /// | >0 | 0 | >0 | partly (unknowns never count as meets) |
    /// | >0 | >0 | any | partly |
    /// | 0 | >0 | any | does-not-meet |
    pub fn of_counts(pass: usize, fail: usize, unknown: usize) -> Level {
        match (pass, fail, unknown) {
            (0, 0, _) => Level::NotAssessed,
            (_, 0, 0) => Level::Meets,
            (0, _, _) => Level::DoesNotMeet,
            _ => Level::Partly,
        }
    }

    /// Combine the levels of several requirements (or of one requirement across several
    /// repositories): meets only when every part meets; not-assessed only when nothing was
    /// assessed; does-not-meet when everything assessed does not meet; partly otherwise.
    /// A not-assessed part next to assessed parts pulls a `meets` down to `partly`.
    pub fn combine(levels: impl IntoIterator<Item = Level>) -> Level {
        let mut seen = [false; 4];
        for l in levels {
            seen[l as usize] = true;
        }
        let [not_assessed, does_not_meet, partly, meets] = seen;
        if !(does_not_meet || partly || meets) {
            Level::NotAssessed
        } else if meets && !(not_assessed || does_not_meet || partly) {
            Level::Meets
        } else if does_not_meet && !(partly || meets) {
            Level::DoesNotMeet
        } else {
            Level::Partly
        }
    }
}

/// The derived overall status of a control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Overall {
    Implemented,
    Partial,
    NotImplemented,
    NotAssessed,
    Excluded,
}

impl Overall {
    pub fn as_str(self) -> &'static str {
        match self {
            Overall::Implemented => "implemented",
            Overall::Partial => "partial",
            Overall::NotImplemented => "not-implemented",
            Overall::NotAssessed => "not-assessed",
            Overall::Excluded => "excluded",
        }
    }
}

/// The dimensions a control's status is derived from. `None` for a dimension means the control
/// has no requirement of that kind (e.g. no check gives design evidence for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dimensions {
    pub declared: Declared,
    pub design: Option<Level>,
    pub operation: Option<Level>,
    pub attestation: Option<Level>,
}

impl Dimensions {
    /// The status table (documented in ARCHITECTURE.md):
    ///
    /// 1. declared `excluded` → `excluded`;
    /// 2. every required dimension `meets`, and at least one of them is operation or
    ///    attestation → `implemented` (so design evidence from files alone never suffices);
    /// 3. every required dimension `not-assessed` → `not-assessed`;
    /// 4. no required dimension `meets` or `partly` → `not-implemented`;
    /// 5. otherwise → `partial`.
    pub fn overall(&self) -> Overall {
        if self.declared == Declared::Excluded {
            return Overall::Excluded;
        }
        let required: Vec<Level> = [self.design, self.operation, self.attestation]
            .into_iter()
            .flatten()
            .collect();
        let beyond_design_met = [self.operation, self.attestation]
            .into_iter()
            .flatten()
            .any(|l| l == Level::Meets);
        if !required.is_empty() && required.iter().all(|l| *l == Level::Meets) && beyond_design_met
        {
            Overall::Implemented
        } else if required.iter().all(|l| *l == Level::NotAssessed) {
            Overall::NotAssessed
        } else if !required
            .iter()
            .any(|l| matches!(l, Level::Meets | Level::Partly))
        {
            Overall::NotImplemented
        } else {
            Overall::Partial
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(Level::of_counts(0, 0, 3), Level::NotAssessed);
        assert_eq!(Level::of_counts(2, 0, 0), Level::Meets);
        assert_eq!(Level::of_counts(2, 0, 1), Level::Partly);
        assert_eq!(Level::of_counts(2, 1, 0), Level::Partly);
        assert_eq!(Level::of_counts(0, 1, 5), Level::DoesNotMeet);
    }

    #[test]
    fn combine() {
        use Level::*;
        assert_eq!(Level::combine([]), NotAssessed);
        assert_eq!(Level::combine([Meets, Meets]), Meets);
        assert_eq!(Level::combine([Meets, NotAssessed]), Partly);
        assert_eq!(Level::combine([DoesNotMeet, NotAssessed]), DoesNotMeet);
        assert_eq!(Level::combine([DoesNotMeet, Meets]), Partly);
    }

    #[test]
    fn design_alone_is_never_implemented() {
        for design in [
            Level::Meets,
            Level::Partly,
            Level::DoesNotMeet,
            Level::NotAssessed,
        ] {
            for op in [None, Some(Level::NotAssessed)] {
                let d = Dimensions {
                    declared: Declared::Applicable,
                    design: Some(design),
                    operation: op,
                    attestation: None,
                };
                assert_ne!(d.overall(), Overall::Implemented);
            }
        }
        let d = Dimensions {
            declared: Declared::Undeclared,
            design: Some(Level::Meets),
            operation: Some(Level::NotAssessed),
            attestation: None,
        };
        assert_eq!(d.overall(), Overall::Partial);
        let d = Dimensions {
            declared: Declared::Applicable,
            design: Some(Level::Meets),
            operation: Some(Level::Meets),
            attestation: None,
        };
        assert_eq!(d.overall(), Overall::Implemented);
        let d = Dimensions {
            declared: Declared::Applicable,
            design: Some(Level::DoesNotMeet),
            operation: Some(Level::NotAssessed),
            attestation: None,
        };
        assert_eq!(d.overall(), Overall::NotImplemented);
        let d = Dimensions {
            declared: Declared::Excluded,
            design: Some(Level::Meets),
            operation: None,
            attestation: None,
        };
        assert_eq!(d.overall(), Overall::Excluded);
    }
}
