//! Small helpers of the CircleCI mapper.

use annexa_model::Route;
use annexa_model::pipeline::Variable;
use annexa_source::{Sites, scalar};
use yaml_serde::Value;

/// The string field `k` of a mapping value.
pub(crate) fn field<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
}

/// Variables of an `environment:` / `variables:` mapping.
pub(crate) fn env_vars(sites: &Sites<'_>, v: Option<&Value>, route: &Route) -> Vec<Variable> {
    let Some(Value::Mapping(m)) = v else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, val)| {
            let name = k.as_str()?;
            let value = match val {
                Value::Null => String::new(),
                other => scalar(other)?,
            };
            Some(Variable {
                name: name.to_owned(),
                value,
                site: sites.site(route.key(name)),
            })
        })
        .collect()
}
