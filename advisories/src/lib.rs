//! airlock's advisory data: where the offline database (SQLite store, OSV/RustSec importers,
//! sync, version ranges) lives, behind the core's [`VulnerabilitySource`] port.
//!
//! Today it holds [`ExactVersionIndex`], an in-memory source that answers from explicit
//! (package, version) lists, the way OSV's `versions` arrays read. The SQLite store implements
//! the same trait, so the risk engine and the CLI do not change when it arrives.

pub mod matching;

use std::collections::BTreeMap;

use scanner_core::risk::{
    AdvisoryRef, MatchOutcome, VulnerabilitySource, VulnerabilitySourceError,
};
use scanner_core::{ComponentKey, Ecosystem, PackageName};

/// Advisories indexed by (ecosystem, normalized name), each with the exact versions it affects.
#[derive(Debug, Default, Clone)]
pub struct ExactVersionIndex {
    entries: BTreeMap<(Ecosystem, String), Vec<ListedAdvisory>>,
}

/// One advisory with the versions it lists as affected.
#[derive(Debug, Clone)]
struct ListedAdvisory {
    versions: Vec<String>,
    advisory: AdvisoryRef,
}

impl ExactVersionIndex {
    pub fn new() -> ExactVersionIndex {
        ExactVersionIndex::default()
    }

    /// Records that `advisory` affects exactly `versions` of `name`.
    pub fn insert(
        &mut self,
        ecosystem: Ecosystem,
        name: &PackageName,
        versions: Vec<String>,
        advisory: AdvisoryRef,
    ) {
        self.entries
            .entry((ecosystem, name.normalized().to_owned()))
            .or_default()
            .push(ListedAdvisory { versions, advisory });
    }

    pub fn len(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl VulnerabilitySource for ExactVersionIndex {
    fn name(&self) -> String {
        format!("in-memory index of {} advisories", self.len())
    }

    fn advisories_for(
        &self,
        component: &ComponentKey,
    ) -> Result<Vec<MatchOutcome>, VulnerabilitySourceError> {
        let Some(version) = &component.version else {
            return Ok(Vec::new());
        };
        let key = (component.ecosystem, component.name.normalized().to_owned());
        Ok(self
            .entries
            .get(&key)
            .map(|advisories| {
                advisories
                    .iter()
                    .filter(|listed| listed.versions.iter().any(|affected| affected == version))
                    .map(|listed| MatchOutcome::Affected(listed.advisory.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scanner_core::risk::AdvisoryKind;
    use scanner_core::Source;

    fn key(name: &str, version: Option<&str>) -> ComponentKey {
        ComponentKey::new(
            Ecosystem::PyPI,
            PackageName::new(Ecosystem::PyPI, name).unwrap(),
            version.map(str::to_owned),
            Source::DEFAULT_REGISTRY,
        )
    }

    #[test]
    fn matches_listed_versions_of_the_normalized_name_only() {
        let mut index = ExactVersionIndex::new();
        let advisory = AdvisoryRef {
            aliases: vec!["GHSA-j8r2-6x86-q33q".into()],
            fixed_version: Some("2.31.0".into()),
            ..AdvisoryRef::new("PYSEC-2023-74", AdvisoryKind::Vulnerability)
        };
        index.insert(
            Ecosystem::PyPI,
            &PackageName::new(Ecosystem::PyPI, "Requests").unwrap(),
            vec!["2.30.0".into()],
            advisory,
        );
        assert_eq!(
            index
                .advisories_for(&key("requests", Some("2.30.0")))
                .unwrap()
                .len(),
            1
        );
        assert!(index
            .advisories_for(&key("requests", Some("2.31.0")))
            .unwrap()
            .is_empty());
        assert!(index
            .advisories_for(&key("requests", None))
            .unwrap()
            .is_empty());
        assert!(index
            .advisories_for(&key("urllib3", Some("2.30.0")))
            .unwrap()
            .is_empty());
    }
}
