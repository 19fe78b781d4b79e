//! The one table of extractors. Adding a format is one file, one line here, one fixtures folder.

use super::cargo::cargo_lock::CargoLockExtractor;
use super::cargo::cargo_toml::CargoTomlExtractor;
use super::sbom::SbomExtractor;
use super::Extractor;

/// Every extractor airlock runs, in a stable order.
pub static EXTRACTORS: &[&dyn Extractor] =
    &[&CargoLockExtractor, &CargoTomlExtractor, &SbomExtractor];

/// Looks an extractor up by id.
pub fn extractor_by_id(id: &str) -> Option<&'static dyn Extractor> {
    EXTRACTORS
        .iter()
        .copied()
        .find(|extractor| extractor.id() == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn ids_are_unique_and_path_shaped() {
        let mut seen = BTreeSet::new();
        for extractor in EXTRACTORS {
            let id = extractor.id();
            assert!(seen.insert(id), "duplicate extractor id {id}");
            let (group, name) = id.split_once('/').expect("ids look like group/name");
            for part in [group, name] {
                assert!(
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                    "{id}"
                );
            }
            assert!(!extractor.description().is_empty());
            assert_eq!(extractor_by_id(id).map(|found| found.id()), Some(id));
        }
    }

    #[test]
    fn each_file_name_is_claimed_by_the_expected_extractor() {
        let accepted = |path: &str| -> Vec<&str> {
            EXTRACTORS
                .iter()
                .filter(|extractor| extractor.accepts(Path::new(path)))
                .map(|extractor| extractor.id())
                .collect()
        };
        assert_eq!(accepted("a/Cargo.lock"), ["cargo/cargo-lock"]);
        assert_eq!(accepted("Cargo.toml"), ["cargo/cargo-toml"]);
        assert!(accepted("README.md").is_empty());
        assert!(accepted("cargo.lock.bak").is_empty());
    }
}
