//! The knobs of the model checks: which pickle imports beyond the built-in allowlist are
//! acceptable, and how severe each kind of restricted model license is ("which ones fail is
//! policy"). The policy file of a later issue fills this struct; the defaults are the
//! documented behaviour.

use std::collections::BTreeMap;

use super::{RuleId, Severity};

/// Kinds of restricted model licenses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LicenseRestriction {
    /// Creative Commons `-nc` licenses and research-only terms.
    NonCommercial,
    /// Creative Commons `-nd` licenses.
    NoDerivatives,
    /// The hub gates downloads behind accepting terms.
    Gated,
    /// `license: other` (terms in `license_name` / `license_link`).
    Other,
    /// Vendor model licenses with their own conditions (Llama, Gemma, …).
    CustomModelLicense,
    /// Responsible-AI licenses (OpenRAIL family) with use restrictions.
    UseRestricted,
}

impl LicenseRestriction {
    /// The restriction as the outputs write it (`non-commercial`).
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseRestriction::NonCommercial => "non-commercial",
            LicenseRestriction::NoDerivatives => "no-derivatives",
            LicenseRestriction::Gated => "gated",
            LicenseRestriction::Other => "other",
            LicenseRestriction::CustomModelLicense => "custom-model-license",
            LicenseRestriction::UseRestricted => "use-restricted",
        }
    }
}

/// Policy for the model checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPolicy {
    /// Pickle imports accepted on top of the built-in allowlist: `module.name`, or `module.*`
    /// for a whole module. Known-dangerous imports (`os`, `subprocess`, `builtins.eval`, …) stay
    /// dangerous whatever this list says.
    pub extra_allowed_globals: Vec<String>,
    /// Built-in safe profiles enabled (`scikit-learn`, `xgboost`, `lightgbm`, `joblib`,
    /// `numpy`): each admits the classes its library pickles; dangerous imports stay dangerous.
    pub profiles: Vec<String>,
    /// Severity per kind of license restriction; a kind set to `None` is not reported.
    pub license_severities: BTreeMap<LicenseRestriction, Option<Severity>>,
    /// Overrides of the model rules' severities (after the per-finding choice).
    pub rule_severities: BTreeMap<RuleId, Severity>,
}

impl Default for ModelPolicy {
    fn default() -> Self {
        let license_severities = [
            (LicenseRestriction::NonCommercial, Some(Severity::Medium)),
            (LicenseRestriction::NoDerivatives, Some(Severity::Medium)),
            (LicenseRestriction::Gated, Some(Severity::Medium)),
            (LicenseRestriction::Other, Some(Severity::Medium)),
            (
                LicenseRestriction::CustomModelLicense,
                Some(Severity::Medium),
            ),
            (LicenseRestriction::UseRestricted, Some(Severity::Low)),
        ]
        .into_iter()
        .collect();
        ModelPolicy {
            extra_allowed_globals: Vec::new(),
            profiles: Vec::new(),
            license_severities,
            rule_severities: BTreeMap::new(),
        }
    }
}

impl ModelPolicy {
    /// True when the policy's extra allowlist accepts `module.name`.
    pub fn allows(&self, module: &str, name: &str) -> bool {
        self.extra_allowed_globals
            .iter()
            .any(|entry| super::pickle_imports::pattern_allows(entry, module, name))
    }

    /// The severity of a license restriction, `None` when the policy lets it pass.
    pub fn license_severity(&self, restriction: LicenseRestriction) -> Option<Severity> {
        self.license_severities
            .get(&restriction)
            .copied()
            .unwrap_or(Some(Severity::Medium))
    }
}
