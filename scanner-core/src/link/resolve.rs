//! The one ambiguity policy: how a reference that names a package (instead of writing its key)
//! becomes an edge. Every format that names its dependencies resolves them here; what still
//! differs between formats (the wording of the diagnostics that snapshots quote) is a row of
//! [`Origin`], so the differences are listed in one table instead of hidden in each linker.

use std::borrow::Borrow;

use crate::component::{ComponentKey, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode, DiagnosticSeverity};
use crate::extract::{NamedTarget, Reference, Requirement};

/// The row of the link policy a named reference is resolved with: where it was written, which
/// decides how its dangling and ambiguous diagnostics are worded. Documented in
/// `docs/linking.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A reference resolved among the components of the file that wrote it (a manifest's
    /// declaration joined to a lock's packages).
    Generic,
    /// A `dependencies` entry of a `Cargo.lock` package (`name`, `name version` or
    /// `name version (source)`), resolved among the lock's packages.
    CargoLock,
    /// A `dependencies` entry of a `uv.lock` package (name, and the version and source uv
    /// writes when the name alone is ambiguous), resolved among the lock's packages.
    UvLock,
    /// A `dependencies` entry of a `pylock.toml` package (name, and a version when given),
    /// resolved among the lock's packages.
    Pylock,
    /// A dependency of a `poetry.lock` package (name and constraint), resolved among the lock's
    /// packages; missing is expected (a note) for an optional or marker-guarded dependency.
    PoetryLock,
    /// A `dependencies` entry of a `pdm.lock` package (a PEP 508 requirement, quoted as written
    /// in its diagnostics), resolved among the lock's packages; when its specifier allows none
    /// of several locked versions, the lock is still the authority (an edge to each), and
    /// missing is expected (a note) for a marker-guarded dependency.
    PdmLock,
    /// A project's declared dependency ([`Requirement::Declared`]) joined to its lock's
    /// packages: missing means the lock is out of date (a note when the declaration is
    /// conditional); several that neither the pin nor the source picks give an edge to each the
    /// specifier allows, unless the lock already links the project to the name.
    Declared,
    /// A `Requires-Dist` of an installed package (a PEP 508 requirement), resolved among the
    /// packages installed beside it in the same `site-packages`; missing is expected (a note)
    /// for an extra's or a marker-guarded dependency.
    Installed,
    /// A `Requires-Dist` of a wheel or an sdist, resolved among the artifacts of the same
    /// directory (a wheelhouse); missing is expected (a note) for an extra's or a
    /// marker-guarded dependency.
    Wheelhouse,
}

/// What a [`Requirement::Allowed`] reference that allows none of several candidates gives (the
/// other knob in which the rows differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoneAllowed {
    /// An ambiguous reference: no edge.
    Ambiguous,
    /// An edge to each candidate of the name.
    AllNamed,
}

/// How a key listed more than once among the candidates counts (the one knob, besides the
/// wordings, in which the rows differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeats {
    /// Listed twice in a row, once (a repeated `Cargo.lock` entry, reported on its own).
    OnceInARow,
    /// Once, wherever it is listed.
    Once,
    /// Each listing is a candidate.
    Each,
}

/// What a named reference resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution<'k> {
    /// Exactly one candidate: the edge's target.
    One(&'k ComponentKey),
    /// No candidate: the reference dangles.
    None,
    /// This many candidates, none of them chosen: the reference is ambiguous and gives no edge.
    Several(usize),
    /// Several candidates, each allowed by the reference's [`Requirement::Allowed`] specifier:
    /// an edge to each (versions locked for different environments).
    Each(Vec<&'k ComponentKey>),
    /// Several candidates of a [`Requirement::Declared`] reference that neither its pin nor its
    /// source picks: an edge to each of these (those its specifier allows, all when it allows
    /// none), unless the declaring component already has an edge to the name (then the lock
    /// said which; see [`settle`]).
    Unpicked(Vec<&'k ComponentKey>),
}

/// True when a reference's `written` source names the candidate's `locked` source: the same
/// source, or a git repository written without the commit it was locked at. Cargo writes a
/// `dependencies` entry as `name version (git+url)` while the package itself carries
/// `git+url#commit`; the commit is the lock's, the reference names the repository (and the
/// branch, tag or rev asked for, which must agree).
fn names_source(written: &Source, locked: &Source) -> bool {
    match (written, locked) {
        (
            Source::Git {
                url,
                reference,
                commit: None,
            },
            Source::Git {
                url: locked_url,
                reference: locked_reference,
                ..
            },
        ) => url == locked_url && reference == locked_reference,
        _ => written == locked,
    }
}

/// Resolves `target` among `candidates` (the components of the reference's unit, in the order
/// the unit lists them):
/// 1. the candidates of the target's ecosystem and name (names compare normalized);
/// 2. [`Requirement::Exact`] keeps those equal on each field it gives (version, source);
///    a key listed more than once counts as the origin's row says ([`Origin::repeats`]);
/// 3. one left is the target; none is dangling; several are ambiguous, unless the reference
///    gives a [`Requirement::Allowed`] specifier: then an edge goes to each candidate it allows
///    ([`Resolution::Each`]), and it is ambiguous only when it allows none.
pub fn resolve<'k>(
    target: &NamedTarget,
    candidates: impl IntoIterator<Item = &'k ComponentKey>,
) -> Resolution<'k> {
    let mut found: Vec<&'k ComponentKey> = candidates
        .into_iter()
        .filter(|key| key.ecosystem == target.ecosystem && key.name == target.name)
        .filter(|key| match &target.requirement {
            Requirement::Exact { version, source } => {
                version
                    .as_ref()
                    .is_none_or(|version| key.version.as_ref() == Some(version))
                    && source
                        .as_ref()
                        .is_none_or(|source| names_source(source, &key.source))
            }
            Requirement::Allowed { .. } | Requirement::Declared { .. } => true,
        })
        .collect();
    match target.origin.repeats() {
        Repeats::OnceInARow => found.dedup(),
        Repeats::Once => {
            let mut seen = Vec::with_capacity(found.len());
            found.retain(|key| {
                let first = !seen.contains(key);
                if first {
                    seen.push(*key);
                }
                first
            });
        }
        Repeats::Each => {}
    }
    match (found.as_slice(), &target.requirement) {
        ([], _) => Resolution::None,
        ([only], _) => Resolution::One(only),
        // Cargo never writes a path package's source, so a `Cargo.lock` entry `a 0.2.0` that
        // a path package and a registry package of that name and version both match is the
        // path package (cargo's `into_resolve` settles it so: "we are hardcoded to use that").
        (
            several,
            Requirement::Exact {
                version: Some(_),
                source: None,
            },
        ) if target.origin == Origin::CargoLock
            && only(
                several
                    .iter()
                    .copied()
                    .filter(|key| key.source.is_local_project()),
            )
            .is_some() =>
        {
            only(
                several
                    .iter()
                    .copied()
                    .filter(|key| key.source.is_local_project()),
            )
            .map_or(Resolution::Several(several.len()), Resolution::One)
        }
        (several, Requirement::Exact { .. }) => Resolution::Several(several.len()),
        (
            several,
            Requirement::Declared {
                pin,
                source,
                specifier,
            },
        ) => {
            let by_pin = pin.as_ref().and_then(|pin| {
                only(
                    several
                        .iter()
                        .copied()
                        .filter(|key| key.version.as_ref() == Some(pin)),
                )
            });
            let by_source = source.as_ref().and_then(|source| {
                only(several.iter().copied().filter(|key| key.source == *source))
            });
            match by_pin.or(by_source) {
                Some(key) => Resolution::One(key),
                None => {
                    let allowed = allowed_by(several, specifier.as_deref());
                    Resolution::Unpicked(if allowed.is_empty() {
                        several.to_vec()
                    } else {
                        allowed
                    })
                }
            }
        }
        (several, Requirement::Allowed { specifier }) => {
            let allowed = allowed_by(several, specifier.as_deref());
            if allowed.is_empty() {
                match target.origin.none_allowed() {
                    NoneAllowed::Ambiguous => Resolution::Several(several.len()),
                    NoneAllowed::AllNamed => Resolution::Each(several.to_vec()),
                }
            } else {
                Resolution::Each(allowed)
            }
        }
    }
}

/// The candidates whose version `specifier` allows (a specifier or version that cannot be read
/// allows), in their order.
fn allowed_by<'k>(several: &[&'k ComponentKey], specifier: Option<&str>) -> Vec<&'k ComponentKey> {
    several
        .iter()
        .copied()
        .filter(|key| match (specifier, key.version.as_deref()) {
            (Some(specifier), Some(version)) => {
                crate::extract::python::pyproject::version_allowed(specifier, version)
                    .unwrap_or(true)
            }
            _ => true,
        })
        .collect()
}

/// The one key of `keys`, `None` for none or several.
fn only<'k>(mut keys: impl Iterator<Item = &'k ComponentKey>) -> Option<&'k ComponentKey> {
    let first = keys.next()?;
    keys.next().is_none().then_some(first)
}

/// [`resolve`] with its diagnostic: the keys to draw an edge to, none when the reference
/// dangles or is ambiguous (then `diagnostics` gets the diagnostic of its origin's row).
pub fn targets<'k>(
    reference: &Reference,
    target: &NamedTarget,
    candidates: impl IntoIterator<Item = &'k ComponentKey>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<&'k ComponentKey> {
    targets_with(|| reference, target, candidates, diagnostics)
}

/// The keys a [`Resolution`] draws an edge to, with its diagnostic. `already_linked` says
/// whether the declaring component has an edge to the name already (written before this
/// reference): then an [`Resolution::Unpicked`] declaration adds none, as its lock says which
/// of the versions the project uses.
pub fn settle<'k>(
    reference: &Reference,
    target: &NamedTarget,
    resolution: Resolution<'k>,
    already_linked: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<&'k ComponentKey> {
    settle_with(
        || reference,
        target,
        resolution,
        already_linked,
        diagnostics,
    )
}

/// [`targets`] for a reference made only when a diagnostic quotes it (a dangling or ambiguous
/// one): a caller that makes its references after resolving them (uv.lock's, in place on the
/// pool) does not make each twice.
pub fn targets_with<'k, R: Borrow<Reference>>(
    reference: impl FnOnce() -> R,
    target: &NamedTarget,
    candidates: impl IntoIterator<Item = &'k ComponentKey>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<&'k ComponentKey> {
    settle_with(
        reference,
        target,
        resolve(target, candidates),
        false,
        diagnostics,
    )
}

/// [`settle`], the reference made only for a diagnostic.
fn settle_with<'k, R: Borrow<Reference>>(
    reference: impl FnOnce() -> R,
    target: &NamedTarget,
    resolution: Resolution<'k>,
    already_linked: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<&'k ComponentKey> {
    match resolution {
        Resolution::One(key) => vec![key],
        Resolution::Each(keys) => keys,
        Resolution::Unpicked(keys) => {
            if already_linked {
                Vec::new()
            } else {
                keys
            }
        }
        Resolution::None => {
            diagnostics.push(target.origin.dangling(reference().borrow(), target));
            Vec::new()
        }
        Resolution::Several(count) => {
            diagnostics.push(target.origin.ambiguous(reference().borrow(), target, count));
            Vec::new()
        }
    }
}

impl Origin {
    /// How a key listed more than once among the candidates counts.
    pub fn repeats(self) -> Repeats {
        match self {
            Origin::Generic | Origin::CargoLock => Repeats::OnceInARow,
            Origin::PoetryLock | Origin::PdmLock => Repeats::Once,
            Origin::Declared => Repeats::Each,
            Origin::UvLock | Origin::Pylock => Repeats::Each,
            Origin::Installed | Origin::Wheelhouse => Repeats::Once,
        }
    }

    /// What a specifier that allows none of several candidates gives.
    pub fn none_allowed(self) -> NoneAllowed {
        match self {
            Origin::PdmLock => NoneAllowed::AllNamed,
            Origin::Generic
            | Origin::CargoLock
            | Origin::UvLock
            | Origin::Pylock
            | Origin::PoetryLock
            | Origin::Declared
            | Origin::Installed
            | Origin::Wheelhouse => NoneAllowed::Ambiguous,
        }
    }

    /// Whether a missing target is expected for this reference (a note, not a warning): Poetry
    /// leaves out what the project's Python range or unused extras never need.
    fn missing_is_expected(self, reference: &Reference) -> bool {
        match self {
            Origin::PoetryLock => {
                reference.kind == EdgeKind::Optional || reference.conditions.marker.is_some()
            }
            Origin::PdmLock => reference.conditions.marker.is_some(),
            Origin::Installed | Origin::Wheelhouse => {
                reference.kind != EdgeKind::Normal || reference.conditions.marker.is_some()
            }
            Origin::Declared => {
                reference.kind != EdgeKind::Normal || reference.conditions.marker.is_some()
            }
            Origin::Generic | Origin::CargoLock | Origin::UvLock | Origin::Pylock => false,
        }
    }

    /// The code of a missing target's diagnostic: a declared dependency its lock does not
    /// contain means the lock is out of date.
    fn missing_code(self) -> DiagnosticCode {
        match self {
            Origin::Declared => DiagnosticCode::LockfileOutOfDate,
            Origin::Generic
            | Origin::CargoLock
            | Origin::UvLock
            | Origin::Pylock
            | Origin::PoetryLock
            | Origin::PdmLock
            | Origin::Installed
            | Origin::Wheelhouse => DiagnosticCode::DanglingReference,
        }
    }

    /// The diagnostic for a reference of this origin that resolved to nothing.
    pub fn dangling(self, reference: &Reference, target: &NamedTarget) -> Diagnostic {
        let message = match self {
            Origin::Generic => format!(
                "`{}` depends on `{}`, which is not defined in the same file",
                reference.from.name, target.name
            ),
            Origin::CargoLock => format!(
                "`{}` depends on `{}`, which this lockfile does not define",
                describe_package(&reference.from),
                describe_target(target)
            ),
            Origin::UvLock => format!(
                "`{}` depends on `{}`{}, which the lock does not define",
                reference.from.name,
                target.name,
                match &target.requirement {
                    Requirement::Exact {
                        version: Some(version),
                        ..
                    } => format!(" {version}"),
                    Requirement::Exact { version: None, .. }
                    | Requirement::Allowed { .. }
                    | Requirement::Declared { .. } => {
                        String::new()
                    }
                }
            ),
            Origin::Pylock => format!(
                "`{}` depends on `{}`, which the lock does not define",
                reference.from.name, target.name
            ),
            Origin::PoetryLock => format!(
                "`{}` depends on `{}`, which the lock does not contain",
                reference.from.name, target.name
            ),
            Origin::PdmLock => format!(
                "`{}` depends on `{}`, which this lockfile does not define",
                reference.from.name,
                describe_written(target)
            ),
            Origin::Declared => format!(
                "`{}` declares `{}`, which the lockfile does not contain",
                reference.from.name, target.name
            ),
            Origin::Installed => format!(
                "`{}` requires `{}`, which is not installed in this environment",
                reference.from.name,
                describe_written(target)
            ),
            Origin::Wheelhouse => format!(
                "`{}` requires `{}`, which no wheel or sdist of this directory provides",
                reference.from.name,
                describe_written(target)
            ),
        };
        let severity = if self.missing_is_expected(reference) {
            DiagnosticSeverity::Note
        } else {
            DiagnosticSeverity::Warning
        };
        Diagnostic::new(
            self.missing_code(),
            severity,
            reference.location.clone(),
            message,
        )
    }

    /// The diagnostic for a reference of this origin that matched `count` packages.
    pub fn ambiguous(
        self,
        reference: &Reference,
        target: &NamedTarget,
        count: usize,
    ) -> Diagnostic {
        let message = match self {
            Origin::Generic => format!(
                "`{}` depends on `{}`, which matches several packages",
                reference.from.name, target.name
            ),
            Origin::CargoLock => format!(
                "`{}` depends on `{}`, which matches {count} packages",
                describe_package(&reference.from),
                describe_target(target)
            ),
            // Never reached by `Declared` (several candidates give an edge to each); worded
            // as a lock's so the match stays exhaustive without a panic.
            Origin::Installed => format!(
                "`{}` requires `{}`, which is installed {count} times in this environment",
                reference.from.name, target.name
            ),
            Origin::Wheelhouse => format!(
                "`{}` requires `{}`, which {count} versions in this directory provide",
                reference.from.name, target.name
            ),
            Origin::UvLock | Origin::Pylock | Origin::Declared => format!(
                "`{}` depends on `{}`, which the lock defines {count} times without saying which",
                reference.from.name, target.name
            ),
            Origin::PoetryLock => format!(
                "`{}` depends on `{}` {}, which matches none of its locked versions",
                reference.from.name,
                target.name,
                match &target.requirement {
                    Requirement::Allowed {
                        specifier: Some(specifier),
                    } => specifier.as_str(),
                    Requirement::Allowed { specifier: None }
                    | Requirement::Exact { .. }
                    | Requirement::Declared { .. } => "*",
                }
            ),
            // Reached only by an `Exact` requirement: an `Allowed` one links each named version.
            Origin::PdmLock => format!(
                "`{}` depends on `{}`, which matches {count} packages",
                reference.from.name,
                describe_written(target)
            ),
        };
        Diagnostic::new(
            DiagnosticCode::AmbiguousReference,
            DiagnosticSeverity::Warning,
            reference.location.clone(),
            message,
        )
    }
}

/// The requirement as the file wrote it, else the name.
fn describe_written(target: &NamedTarget) -> String {
    match &target.written {
        Some(written) => written.clone(),
        None => target.name.to_string(),
    }
}

/// `name version`, as a lockfile names its package.
fn describe_package(key: &ComponentKey) -> String {
    match &key.version {
        Some(version) => format!("{} {version}", key.name),
        None => key.name.to_string(),
    }
}

/// `name [version] [(source)]`, as the reference was written.
fn describe_target(target: &NamedTarget) -> String {
    let mut text = target.name.to_string();
    match &target.requirement {
        Requirement::Exact { version, source } => {
            if let Some(version) = version {
                text.push(' ');
                text.push_str(version);
            }
            if let Some(source) = source {
                text.push_str(&format!(" ({source})"));
            }
        }
        Requirement::Allowed { specifier } | Requirement::Declared { specifier, .. } => {
            if let Some(specifier) = specifier {
                text.push(' ');
                text.push_str(specifier);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{EdgeDetails, Source};
    use crate::ecosystem::Ecosystem;
    use crate::extract::Target;
    use crate::location::Location;
    use crate::name::PackageName;

    fn key(ecosystem: Ecosystem, name: &str, version: &str, source: Source) -> ComponentKey {
        ComponentKey::new(
            ecosystem,
            PackageName::new(ecosystem, name).unwrap(),
            Some(version.to_owned()),
            source,
        )
    }

    fn named(
        ecosystem: Ecosystem,
        name: &str,
        version: Option<&str>,
        source: Option<Source>,
        origin: Origin,
    ) -> NamedTarget {
        NamedTarget {
            ecosystem,
            name: PackageName::new(ecosystem, name).unwrap(),
            requirement: Requirement::Exact {
                version: version.map(str::to_owned),
                source,
            },
            origin,
            written: None,
        }
    }

    fn reference(from: &ComponentKey, target: &NamedTarget, path: &str) -> Reference {
        Reference {
            from: from.clone(),
            to: Target::Named(target.clone()),
            kind: EdgeKind::Normal,
            conditions: EdgeDetails::default(),
            location: Some(Location::line(path, 3)),
        }
    }

    fn outcome(
        target: &NamedTarget,
        candidates: &[ComponentKey],
        from: &ComponentKey,
    ) -> Result<ComponentKey, String> {
        let mut all = outcomes(target, candidates, from)?;
        assert_eq!(all.len(), 1, "one target: {all:?}");
        Ok(all.remove(0))
    }

    /// The targets of a reference from `from`, or the one diagnostic it gets.
    fn outcomes(
        target: &NamedTarget,
        candidates: &[ComponentKey],
        from: &ComponentKey,
    ) -> Result<Vec<ComponentKey>, String> {
        let reference = reference(from, target, "f");
        let mut diagnostics = Vec::new();
        let found: Vec<ComponentKey> = targets(&reference, target, candidates, &mut diagnostics)
            .into_iter()
            .cloned()
            .collect();
        match diagnostics.as_slice() {
            [] => Ok(found),
            [diagnostic] if found.is_empty() => Err(diagnostic.to_string()),
            other => panic!("{other:?} with {found:?}"),
        }
    }

    /// Today's `scan.rs::merge`: exact on the version and source a reference gives; the words
    /// "not defined in the same file" and "matches several packages".
    #[test]
    fn generic_row_keeps_the_merge_outcomes() {
        let pypi = Ecosystem::PyPI;
        let app = key(pypi, "app", "1.0", Source::Path { path: ".".into() });
        let one = key(pypi, "Requests", "2.31.0", Source::DEFAULT_REGISTRY);
        let other = key(pypi, "requests", "2.30.0", Source::DEFAULT_REGISTRY);
        let candidates = [app.clone(), one.clone(), other.clone()];

        let by_version = named(pypi, "requests", Some("2.31.0"), None, Origin::Generic);
        assert_eq!(outcome(&by_version, &candidates, &app), Ok(one.clone()));

        let missing = named(pypi, "numpy", None, None, Origin::Generic);
        assert_eq!(
            outcome(&missing, &candidates, &app).unwrap_err(),
            "f:3: warning[dangling-reference]: `app` depends on `numpy`, which is not defined in the same file"
        );

        let by_name = named(pypi, "requests", None, None, Origin::Generic);
        assert_eq!(
            outcome(&by_name, &candidates, &app).unwrap_err(),
            "f:3: warning[ambiguous-reference]: `app` depends on `requests`, which matches several packages"
        );
    }

    /// Today's `cargo/workspace.rs::LockIndex::resolve`: exact on the version and source a lock
    /// entry gives; "which this lockfile does not define" and "matches N packages".
    #[test]
    fn cargo_lock_row_keeps_the_lock_index_outcomes() {
        let crates = Ecosystem::CratesIo;
        let git = Source::Git {
            url: "https://github.com/o/serde".into(),
            reference: None,
            commit: Some("abc".into()),
        };
        let app = key(crates, "app", "0.1.0", Source::Path { path: ".".into() });
        let registry = key(crates, "serde", "1.0.200", Source::DEFAULT_REGISTRY);
        let forked = key(crates, "serde", "1.0.200", git.clone());
        let candidates = [
            app.clone(),
            registry.clone(),
            forked.clone(),
            forked.clone(),
        ];

        let by_source = named(
            crates,
            "serde",
            Some("1.0.200"),
            Some(git),
            Origin::CargoLock,
        );
        assert_eq!(outcome(&by_source, &candidates, &app), Ok(forked.clone()));

        let missing = named(crates, "ghost", Some("0.1.0"), None, Origin::CargoLock);
        assert_eq!(
            outcome(&missing, &candidates, &app).unwrap_err(),
            "f:3: warning[dangling-reference]: `app 0.1.0` depends on `ghost 0.1.0`, which this lockfile does not define"
        );

        let by_name = named(crates, "serde", None, None, Origin::CargoLock);
        assert_eq!(
            outcome(&by_name, &candidates, &app).unwrap_err(),
            "f:3: warning[ambiguous-reference]: `app 0.1.0` depends on `serde`, which matches 2 packages"
        );
    }

    /// Today's `uv_lock.rs` dependency linking: exact on the version and source uv writes; each
    /// entry counts; "which the lock does not define" names the version asked for.
    #[test]
    fn uv_lock_row_keeps_the_uv_outcomes() {
        let pypi = Ecosystem::PyPI;
        let app = key(pypi, "app", "1.0", Source::Path { path: ".".into() });
        let old = key(pypi, "numpy", "1.26.4", Source::DEFAULT_REGISTRY);
        let new = key(pypi, "numpy", "2.1.0", Source::DEFAULT_REGISTRY);
        let candidates = [old.clone(), new.clone()];

        let by_version = named(pypi, "numpy", Some("2.1.0"), None, Origin::UvLock);
        assert_eq!(outcome(&by_version, &candidates, &app), Ok(new.clone()));

        let missing = named(pypi, "numpy", Some("3.0.0"), None, Origin::UvLock);
        assert_eq!(
            outcome(&missing, &candidates, &app).unwrap_err(),
            "f:3: warning[dangling-reference]: `app` depends on `numpy` 3.0.0, which the lock does not define"
        );

        let by_name = named(pypi, "numpy", None, None, Origin::UvLock);
        assert_eq!(
            outcome(&by_name, &candidates, &app).unwrap_err(),
            "f:3: warning[ambiguous-reference]: `app` depends on `numpy`, which the lock defines 2 times without saying which"
        );
        let repeated = [new.clone(), new.clone()];
        let exact = named(pypi, "numpy", Some("2.1.0"), None, Origin::UvLock);
        assert!(
            outcome(&exact, &repeated, &app).is_err(),
            "a repeated entry is two candidates"
        );
    }

    /// Today's `pylock.rs::link`: by name, narrowed by the version when given; each entry counts.
    #[test]
    fn pylock_row_keeps_the_pylock_outcomes() {
        let pypi = Ecosystem::PyPI;
        let app = key(pypi, "app", "1.0", Source::Path { path: ".".into() });
        let one = key(pypi, "attrs", "23.1.0", Source::DEFAULT_REGISTRY);
        let two = key(pypi, "attrs", "23.2.0", Source::DEFAULT_REGISTRY);
        let candidates = [one.clone(), two.clone()];

        let by_version = named(pypi, "ATTRS", Some("23.1.0"), None, Origin::Pylock);
        assert_eq!(outcome(&by_version, &candidates, &app), Ok(one.clone()));

        let missing = named(pypi, "idna", None, None, Origin::Pylock);
        assert_eq!(
            outcome(&missing, &candidates, &app).unwrap_err(),
            "f:3: warning[dangling-reference]: `app` depends on `idna`, which the lock does not define"
        );

        let by_name = named(pypi, "attrs", None, None, Origin::Pylock);
        assert_eq!(
            outcome(&by_name, &candidates, &app).unwrap_err(),
            "f:3: warning[ambiguous-reference]: `app` depends on `attrs`, which the lock defines 2 times without saying which"
        );
    }

    /// Today's `poetry_lock.rs::link`: by name; several locked versions narrowed by the
    /// constraint (Poetry's syntax or PEP 440), an edge to each it allows; none allowed is
    /// ambiguous; missing is a note for an optional or marker-guarded dependency.
    #[test]
    fn poetry_lock_row_keeps_the_poetry_outcomes() {
        let pypi = Ecosystem::PyPI;
        let app = key(pypi, "app", "1.0", Source::Path { path: ".".into() });
        let old = key(pypi, "numpy", "1.26.4", Source::DEFAULT_REGISTRY);
        let new = key(pypi, "numpy", "2.1.0", Source::DEFAULT_REGISTRY);
        let candidates = [old.clone(), new.clone(), old.clone()];
        let allowed = |specifier: Option<&str>| NamedTarget {
            requirement: Requirement::Allowed {
                specifier: specifier.map(str::to_owned),
            },
            ..named(pypi, "numpy", None, None, Origin::PoetryLock)
        };

        assert_eq!(
            outcomes(&allowed(Some("^2.0")), &candidates, &app),
            Ok(vec![new.clone()])
        );
        assert_eq!(
            outcomes(&allowed(Some(">=1.20")), &candidates, &app),
            Ok(vec![old.clone(), new.clone()]),
            "each allowed version, each once"
        );
        assert_eq!(
            outcomes(&allowed(Some("<1.0")), std::slice::from_ref(&old), &app),
            Ok(vec![old.clone()]),
            "a single candidate is taken whatever the constraint"
        );
        assert_eq!(
            outcomes(&allowed(Some("^3.0")), &candidates, &app).unwrap_err(),
            "f:3: warning[ambiguous-reference]: `app` depends on `numpy` ^3.0, which matches none of its locked versions"
        );

        let missing = NamedTarget {
            name: PackageName::new(pypi, "scipy").unwrap(),
            ..allowed(None)
        };
        assert_eq!(
            outcomes(&missing, &candidates, &app).unwrap_err(),
            "f:3: warning[dangling-reference]: `app` depends on `scipy`, which the lock does not contain"
        );
        let mut optional = reference(&app, &missing, "f");
        optional.kind = EdgeKind::Optional;
        assert_eq!(
            Origin::PoetryLock.dangling(&optional, &missing).to_string(),
            "f:3: note[dangling-reference]: `app` depends on `scipy`, which the lock does not contain"
        );
    }

    /// The rule `pdm_lock.rs` applied itself: narrowed by a PEP 440 specifier among several
    /// locked versions, every version of the name when it allows none, the raw requirement
    /// quoted when none is locked, a note when that requirement has a marker.
    #[test]
    fn pdm_lock_row_keeps_the_pdm_outcomes() {
        let pypi = Ecosystem::PyPI;
        let app = key(pypi, "app", "1.0", Source::Path { path: ".".into() });
        let old = key(pypi, "numpy", "1.26.4", Source::DEFAULT_REGISTRY);
        let new = key(pypi, "numpy", "2.1.0", Source::DEFAULT_REGISTRY);
        let candidates = [old.clone(), new.clone()];
        let allowed = |specifier: Option<&str>| NamedTarget {
            requirement: Requirement::Allowed {
                specifier: specifier.map(str::to_owned),
            },
            written: Some(format!("numpy{}", specifier.unwrap_or_default())),
            ..named(pypi, "numpy", None, None, Origin::PdmLock)
        };

        assert_eq!(
            outcomes(&allowed(Some(">=2.0")), &candidates, &app),
            Ok(vec![new.clone()])
        );
        assert_eq!(
            outcomes(&allowed(Some("<1.0")), std::slice::from_ref(&old), &app),
            Ok(vec![old.clone()]),
            "a single candidate is taken whatever the specifier"
        );
        assert_eq!(
            outcomes(&allowed(Some(">=3.0")), &candidates, &app),
            Ok(vec![old.clone(), new.clone()]),
            "several, none allowed: the lock is the authority"
        );

        let missing = NamedTarget {
            name: PackageName::new(pypi, "scipy").unwrap(),
            written: Some("scipy>=1.0; python_version < \"3.9\"".to_owned()),
            ..allowed(None)
        };
        assert_eq!(
            outcomes(&missing, &candidates, &app).unwrap_err(),
            "f:3: warning[dangling-reference]: `app` depends on `scipy>=1.0; python_version < \"3.9\"`, which this lockfile does not define"
        );
        let mut guarded = reference(&app, &missing, "f");
        guarded.conditions.marker = Some("python_version < \"3.9\"".to_owned());
        assert_eq!(
            Origin::PdmLock.dangling(&guarded, &missing).to_string(),
            "f:3: note[dangling-reference]: `app` depends on `scipy>=1.0; python_version < \"3.9\"`, which this lockfile does not define"
        );
    }

    /// Today's `pyproject::attach_manifest`: one candidate by name; among several, the pin, then
    /// the source, then (unless the lock links the project already) each the specifier allows,
    /// all when it allows none; missing is `lockfile-out-of-date`, a note when conditional.
    #[test]
    fn declared_row_keeps_the_attach_manifest_outcomes() {
        let pypi = Ecosystem::PyPI;
        let app = key(pypi, "app", "1.0", Source::Path { path: ".".into() });
        let new = key(pypi, "numpy", "2.0.0", Source::DEFAULT_REGISTRY);
        let old = key(pypi, "numpy", "1.26.4", Source::DEFAULT_REGISTRY);
        let git = Source::Git {
            url: "https://github.com/o/numpy".into(),
            reference: None,
            commit: Some("abc".into()),
        };
        let forked = key(pypi, "numpy", "2.0.0", git.clone());
        let candidates = [app.clone(), new.clone(), old.clone(), forked.clone()];
        let declared =
            |pin: Option<&str>, source: Option<Source>, specifier: Option<&str>| NamedTarget {
                requirement: Requirement::Declared {
                    pin: pin.map(str::to_owned),
                    source,
                    specifier: specifier.map(str::to_owned),
                },
                ..named(pypi, "numpy", None, None, Origin::Declared)
            };

        let by_pin = declared(Some("1.26.4"), None, Some("==1.26.4"));
        assert_eq!(outcome(&by_pin, &candidates, &app), Ok(old.clone()));
        let by_source = declared(Some("2.0.0"), Some(git), None);
        assert_eq!(outcome(&by_source, &candidates, &app), Ok(forked.clone()));
        let allowed = declared(None, None, Some(">=2"));
        assert_eq!(
            outcomes(&allowed, &candidates, &app),
            Ok(vec![new.clone(), forked.clone()])
        );
        let none_allowed = declared(None, None, Some("<1"));
        assert_eq!(
            outcomes(&none_allowed, &candidates, &app),
            Ok(vec![new.clone(), old.clone(), forked.clone()])
        );
        let mut diagnostics = Vec::new();
        let linked = reference(&app, &allowed, "f");
        let resolution = resolve(&allowed, &candidates);
        assert!(settle(&linked, &allowed, resolution, true, &mut diagnostics).is_empty());
        assert!(
            diagnostics.is_empty(),
            "the lock said which: {diagnostics:?}"
        );

        let missing = NamedTarget {
            name: PackageName::new(pypi, "ghost").unwrap(),
            ..declared(None, None, None)
        };
        assert_eq!(
            outcome(&missing, &candidates, &app).unwrap_err(),
            "f:3: warning[lockfile-out-of-date]: `app` declares `ghost`, which the lockfile does not contain"
        );
        let mut conditional = reference(&app, &missing, "f");
        conditional.kind = EdgeKind::Dev;
        assert_eq!(
            Origin::Declared.dangling(&conditional, &missing).severity,
            DiagnosticSeverity::Note
        );
    }
}
