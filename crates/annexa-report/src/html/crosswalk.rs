//! Crosswalk tabs: one per framework of [`crate::crosswalk::FRAMEWORKS`], switched by radio
//! buttons and CSS (no script). Each mapping shows its relation, source and confidence, and a
//! judgement row is marked as such so nobody reads it as a published mapping.

use maud::{Markup, html};

use super::{badge, section};
use crate::ReportInput;
use crate::crosswalk::{FRAMEWORKS, view};

pub(crate) fn crosswalks(input: &ReportInput<'_>, selected: Option<&str>) -> Markup {
    let views: Vec<(&str, crate::crosswalk::FrameworkView)> = FRAMEWORKS
        .iter()
        .map(|(name, f)| (*name, view(input, *f)))
        .collect();
    let body = html! {
        p.note {
            "Other frameworks' requirements with the Annex A controls mapped to them and those controls' status in this run. "
            "A requirement's own status is not derived: read the controls' statuses side by side. "
            "Rows whose source is a " span.badge.judgement { "judgement" } " are not published mappings: read the relation and source before relying on one."
        }
        div.tabs {
            @for (i, (name, _)) in views.iter().enumerate() {
                input type="radio" name="crosswalk" id={ "cw-" (name) } checked[selected.map_or(i == 0, |s| s == *name)];
            }
            div.tablist role="tablist" {
                @for (name, v) in &views {
                    label for={ "cw-" (name) } { (v.framework) }
                }
            }
            div.tabpanels {
                @for (name, v) in &views {
                    div.tabpanel id={ "cwp-" (name) } role="tabpanel" {
                        h3 { (v.framework) }
                        p.note {
                            (v.requirements.len()) " requirement(s), " (v.mappings) " mapping(s), of which "
                            (v.judgement_mappings) " are judgements, not published mappings."
                        }
                        @if v.requirements.is_empty() {
                            (super::none("The crosswalk maps no requirement of this framework."))
                        } @else {
                            div.scroll { table {
                                thead { tr {
                                    th { "Requirement" } th { "Title" } th { "Annex A" } th { "Control status" } th { "Declared" }
                                    th { "Relation" } th { "Source" } th { "Confidence" } th { "Note" }
                                } }
                                tbody {
                                    @for r in &v.requirements {
                                        @for (i, m) in r.mappings.iter().enumerate() {
                                            tr.judgement-row[!m.official] {
                                                @if i == 0 {
                                                    td rowspan=(r.mappings.len()) { code { (r.id) } }
                                                    td rowspan=(r.mappings.len()) { (r.title) }
                                                }
                                                td { a href={ "#control-" (m.control) } { (m.control) } " " (m.control_title) }
                                                td { (badge("ov", m.status)) }
                                                td { (m.declared) }
                                                td { (m.relation) }
                                                td {
                                                    @if m.official { span.badge.official { "published" } } @else { span.badge.judgement { "judgement" } }
                                                    " " (m.source)
                                                }
                                                td { (m.confidence) }
                                                td { (m.note) }
                                            }
                                        }
                                    }
                                }
                            } }
                        }
                    }
                }
            }
        }
    };
    section("crosswalks", "Crosswalks", body)
}
