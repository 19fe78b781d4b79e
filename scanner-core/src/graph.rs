//! The one dependency graph: components merged by key, typed edges, roots (the first-party
//! projects), each component's effective scope, and the shortest path by which a root pulls a
//! component in ("introduced through").

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::component::{Component, ComponentKey, EdgeDetails, EdgeKind, Scope};

/// Collects components, edges and roots from many extractions, merging by key.
///
/// Each component gets a number when first added; edges are kept by those numbers, so adding
/// an edge looks two keys up and copies none (a large lock adds thousands of edges).
#[derive(Debug, Default)]
pub struct GraphBuilder {
    ids: BTreeMap<ComponentKey, usize>,
    /// By number.
    components: Vec<Component>,
    /// By the numbers of both ends, in the order they were added: an edge added twice is merged
    /// by [`GraphBuilder::build`], its details in that order ([`EdgeDetails::merge`]). A list, not
    /// a map: a large lock's edges went into a map one by one on the thread that builds the
    /// graph, each with a copy of its details.
    edges: Vec<((usize, usize, EdgeKind), EdgeDetails)>,
    roots: BTreeSet<ComponentKey>,
}

impl GraphBuilder {
    /// A builder with nothing in it.
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// A builder with room for `components` components: a component is large, and a
    /// large lock's were copied nine times as the list grew.
    pub fn with_capacity(components: usize) -> GraphBuilder {
        GraphBuilder {
            components: Vec::with_capacity(components),
            ..GraphBuilder::default()
        }
    }

    /// Adds a component, or merges it into the one already known under its key.
    pub fn add_component(&mut self, component: Component) {
        match self
            .ids
            .get(&component.key)
            .and_then(|&id| self.components.get_mut(id))
        {
            Some(existing) => existing.merge(component),
            None => {
                self.ids
                    .insert(component.key.clone(), self.components.len());
                self.components.push(component);
            }
        }
    }

    /// True when a component of `key` was added.
    pub fn contains(&self, key: &ComponentKey) -> bool {
        self.ids.contains_key(key)
    }

    /// Adds an edge between two known components; returns false (and adds nothing) when either
    /// end is unknown, so the caller can report the dangling reference.
    pub fn add_edge(&mut self, from: &ComponentKey, to: &ComponentKey, kind: EdgeKind) -> bool {
        self.add_edge_with(from, to, kind, &EdgeDetails::default())
    }

    /// Adds an edge with markers, extras or a relation; the same edge reported twice keeps
    /// what both reports said (see [`EdgeDetails::merge`]).
    pub fn add_edge_with(
        &mut self,
        from: &ComponentKey,
        to: &ComponentKey,
        kind: EdgeKind,
        details: &EdgeDetails,
    ) -> bool {
        let (Some(from), Some(to)) = (self.number(from), self.number(to)) else {
            return false;
        };
        self.add_edge_between(from, to, kind, details);
        true
    }

    /// The number of the component of `key`, for [`GraphBuilder::add_edge_between`].
    pub fn number(&self, key: &ComponentKey) -> Option<usize> {
        self.ids.get(key).copied()
    }

    /// [`GraphBuilder::add_edge_with`] between components known by their numbers: a caller
    /// adding many edges from one component looks its key up once.
    pub fn add_edge_between(
        &mut self,
        from: usize,
        to: usize,
        kind: EdgeKind,
        details: &EdgeDetails,
    ) {
        self.add_edge_owned(from, to, kind, details.clone());
    }

    /// [`GraphBuilder::add_edge_between`] with details the caller gives up.
    pub fn add_edge_owned(&mut self, from: usize, to: usize, kind: EdgeKind, details: EdgeDetails) {
        self.edges.push(((from, to, kind), details));
    }

    /// Marks a known component as a root; returns false when it is unknown.
    pub fn add_root(&mut self, key: &ComponentKey) -> bool {
        if !self.contains(key) {
            return false;
        }
        self.roots.insert(key.clone());
        true
    }

    /// Freezes the graph and computes scopes and introduction paths.
    pub fn build(self) -> DependencyGraph {
        // Components in key order; `position[id]` is where component `id` went.
        let mut slots: Vec<Option<Component>> = self.components.into_iter().map(Some).collect();
        let mut position = vec![usize::MAX; slots.len()];
        let mut components: Vec<Component> = Vec::with_capacity(slots.len());
        for &id in self.ids.values() {
            if let (Some(slot), Some(component)) = (
                position.get_mut(id),
                slots.get_mut(id).and_then(Option::take),
            ) {
                *slot = components.len();
                components.push(component);
            }
        }
        // Edges in the order of their ends' keys, as the lists below have always been; the
        // sort is stable, so an edge added twice has its details merged in the order added.
        let mut added: Vec<((usize, usize, EdgeKind), EdgeDetails)> = self
            .edges
            .into_iter()
            .filter_map(|((from, to, kind), details)| {
                Some(((*position.get(from)?, *position.get(to)?, kind), details))
            })
            .collect();
        added.sort_by_key(|(ends, _)| *ends);
        let mut edges: Vec<((usize, usize, EdgeKind), EdgeDetails)> =
            Vec::with_capacity(added.len());
        for (ends, details) in added {
            match edges.last_mut() {
                Some((last, merged)) if *last == ends => merged.merge(&details),
                _ => edges.push((ends, details)),
            }
        }
        let mut outgoing: Vec<Vec<(usize, EdgeKind)>> = vec![Vec::new(); components.len()];
        let mut incoming: Vec<Vec<(usize, EdgeKind)>> = vec![Vec::new(); components.len()];
        let mut edge_details = HashMap::new();
        for ((from, to, kind), details) in edges {
            if let Some(list) = outgoing.get_mut(from) {
                list.push((to, kind));
            }
            if let Some(list) = incoming.get_mut(to) {
                list.push((from, kind));
            }
            if !details.is_empty() {
                edge_details.insert((from, to, kind), details);
            }
        }
        let roots: Vec<usize> = self
            .roots
            .iter()
            .filter_map(|key| Some(*position.get(*self.ids.get(key)?)?))
            .collect();
        let mut graph = DependencyGraph {
            components,
            outgoing,
            incoming,
            roots,
            edge_details,
            parent: Vec::new(),
            distance: Vec::new(),
        };
        graph.compute_introduction_paths();
        graph.compute_scopes();
        graph
    }
}

/// A directed edge, borrowed from the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge<'graph> {
    /// The dependent.
    pub from: &'graph ComponentKey,
    /// The dependency.
    pub to: &'graph ComponentKey,
    /// What kind of dependency it is.
    pub kind: EdgeKind,
    /// Markers, extras, relation; `None` when the edge carries none.
    pub details: Option<&'graph EdgeDetails>,
}

/// A finished dependency graph. Components are sorted by key; all iteration orders are stable.
#[derive(Debug, Clone)]
pub struct DependencyGraph {
    /// Sorted by key, each key once: a key's position is found by binary search (a map from
    /// keys held every key a second time).
    components: Vec<Component>,
    outgoing: Vec<Vec<(usize, EdgeKind)>>,
    incoming: Vec<Vec<(usize, EdgeKind)>>,
    roots: Vec<usize>,
    /// Details of the edges that have any, keyed by (from, to, kind) positions.
    edge_details: HashMap<(usize, usize, EdgeKind), EdgeDetails>,
    /// Breadth-first tree from the roots: the predecessor on one shortest path.
    parent: Vec<Option<usize>>,
    distance: Vec<Option<u32>>,
}

impl DependencyGraph {
    /// An empty graph.
    pub fn empty() -> DependencyGraph {
        GraphBuilder::new().build()
    }

    /// The graph with `extra` components added (merged by key) and everything else kept:
    /// scopes and introduction paths are computed again. For what a run learns after the scan
    /// (the project policy file a scan judged, see `policy::project_policy_component`).
    pub fn with_components(self, extra: impl IntoIterator<Item = Component>) -> DependencyGraph {
        let edges: Vec<(ComponentKey, ComponentKey, EdgeKind, EdgeDetails)> = self
            .edges()
            .map(|edge| {
                (
                    edge.from.clone(),
                    edge.to.clone(),
                    edge.kind,
                    edge.details.cloned().unwrap_or_default(),
                )
            })
            .collect();
        let roots: Vec<ComponentKey> = self.roots().cloned().collect();
        let mut builder = GraphBuilder::new();
        for component in self.components.into_iter().chain(extra) {
            builder.add_component(component);
        }
        for (from, to, kind, details) in &edges {
            builder.add_edge_with(from, to, *kind, details);
        }
        for root in &roots {
            builder.add_root(root);
        }
        builder.build()
    }

    /// How many components the graph holds.
    pub fn len(&self) -> usize {
        self.components.len()
    }

    /// True when the graph holds no component.
    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
    }

    /// All components, sorted by key.
    pub fn components(&self) -> impl Iterator<Item = &Component> {
        self.components.iter()
    }

    /// The component of `key`, if the graph holds it.
    pub fn get(&self, key: &ComponentKey) -> Option<&Component> {
        self.position(key)
            .and_then(|position| self.components.get(position))
    }

    /// The roots, sorted by key.
    pub fn roots(&self) -> impl Iterator<Item = &ComponentKey> {
        self.roots
            .iter()
            .filter_map(|&position| self.key_at(position))
    }

    /// True when `key` is a root (a project the scan found, not a dependency).
    pub fn is_root(&self, key: &ComponentKey) -> bool {
        self.position(key)
            .is_some_and(|position| self.roots.contains(&position))
    }

    /// The edges from the component at `from`, whose targets are `targets`.
    fn edges_of<'a>(
        &'a self,
        from: usize,
        targets: &'a [(usize, EdgeKind)],
    ) -> impl Iterator<Item = Edge<'a>> + 'a {
        targets
            .iter()
            .filter_map(move |&(to, kind)| self.edge(from, to, kind))
    }

    /// The edge between the components at `from` and `to`.
    fn edge(&self, from: usize, to: usize, kind: EdgeKind) -> Option<Edge<'_>> {
        Some(Edge {
            from: self.key_at(from)?,
            to: self.key_at(to)?,
            kind,
            details: self.edge_details.get(&(from, to, kind)),
        })
    }

    /// Every edge, sorted by (from, to, kind).
    pub fn edges(&self) -> impl Iterator<Item = Edge<'_>> {
        self.outgoing
            .iter()
            .enumerate()
            .flat_map(move |(from, targets)| self.edges_of(from, targets))
    }

    /// The edges from `key`, sorted by (to, kind): what `edges()` filtered on `from` gives,
    /// without walking every edge of the graph (emitters ask this once per component, which
    /// over `edges()` was quadratic).
    pub fn edges_from(&self, key: &ComponentKey) -> impl Iterator<Item = Edge<'_>> {
        self.position(key)
            .and_then(|from| Some((from, self.outgoing.get(from)?)))
            .into_iter()
            .flat_map(move |(from, targets)| self.edges_of(from, targets))
    }

    /// Where `key` stands among [`components`](Self::components) (key order).
    pub fn position(&self, key: &ComponentKey) -> Option<usize> {
        self.components
            .binary_search_by(|component| component.key.cmp(key))
            .ok()
    }

    /// [`edges_from`](Self::edges_from) the component at `position` (as
    /// [`components`](Self::components) numbers them), each with its target's position: for
    /// emitters that walk the components in order and look their targets up by number, where
    /// a lookup by key compared keys a dozen times over (issue 19).
    pub fn edges_from_position(&self, position: usize) -> impl Iterator<Item = (usize, Edge<'_>)> {
        self.outgoing
            .get(position)
            .into_iter()
            .flat_map(move |targets| {
                targets
                    .iter()
                    .filter_map(move |&(to, kind)| Some((to, self.edge(position, to, kind)?)))
            })
    }

    /// How many edges the graph holds.
    pub fn edge_count(&self) -> usize {
        self.outgoing.iter().map(Vec::len).sum()
    }

    /// Direct dependencies of `key`, sorted by key then kind.
    pub fn dependencies(&self, key: &ComponentKey) -> Vec<(&ComponentKey, EdgeKind)> {
        self.neighbours(&self.outgoing, key)
    }

    /// Components that depend directly on `key`.
    pub fn dependents(&self, key: &ComponentKey) -> Vec<(&ComponentKey, EdgeKind)> {
        self.neighbours(&self.incoming, key)
    }

    /// The shortest path from a root to `key`, both ends included; `None` when no root reaches
    /// it. A root's path is itself alone.
    pub fn introduced_through(&self, key: &ComponentKey) -> Option<Vec<&ComponentKey>> {
        let mut position = self.position(key)?;
        self.distance.get(position).copied().flatten()?;
        let mut path = vec![self.key_at(position)?];
        while let Some(Some(parent)) = self.parent.get(position) {
            position = *parent;
            path.push(self.key_at(position)?);
        }
        path.reverse();
        Some(path)
    }

    fn key_at(&self, position: usize) -> Option<&ComponentKey> {
        self.components
            .get(position)
            .map(|component| &component.key)
    }

    fn neighbours(
        &self,
        table: &[Vec<(usize, EdgeKind)>],
        key: &ComponentKey,
    ) -> Vec<(&ComponentKey, EdgeKind)> {
        let Some(list) = self.position(key).and_then(|position| table.get(position)) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|&(other, kind)| Some((self.key_at(other)?, kind)))
            .collect()
    }

    fn compute_introduction_paths(&mut self) {
        let count = self.components.len();
        self.parent = vec![None; count];
        self.distance = vec![None; count];
        let mut queue = VecDeque::new();
        for &root in &self.roots {
            if let Some(slot) = self.distance.get_mut(root) {
                *slot = Some(0);
                queue.push_back(root);
            }
        }
        while let Some(current) = queue.pop_front() {
            let next_distance = self.distance.get(current).copied().flatten().unwrap_or(0) + 1;
            let targets = self.outgoing.get(current).cloned().unwrap_or_default();
            for (target, _) in targets {
                if let Some(slot) = self.distance.get_mut(target) {
                    if slot.is_none() {
                        *slot = Some(next_distance);
                        if let Some(parent) = self.parent.get_mut(target) {
                            *parent = Some(current);
                        }
                        queue.push_back(target);
                    }
                }
            }
        }
    }

    /// A component's scope is the strongest scope of any path from a root, and a path is as
    /// strong as its weakest edge. One breadth-first pass per scope level, strongest first,
    /// following only edges at least that strong, assigns each component its level.
    fn compute_scopes(&mut self) {
        if self.roots.is_empty() {
            return;
        }
        let count = self.components.len();
        let mut assigned: Vec<Option<Scope>> = vec![None; count];
        for level in [Scope::Required, Scope::Build, Scope::Optional, Scope::Dev] {
            let mut queue: VecDeque<usize> = self.roots.iter().copied().collect();
            let mut visited = vec![false; count];
            for &root in &self.roots {
                if let Some(seen) = visited.get_mut(root) {
                    *seen = true;
                }
            }
            while let Some(current) = queue.pop_front() {
                if let Some(slot) = assigned.get_mut(current) {
                    if slot.is_none() {
                        *slot = Some(level);
                    }
                }
                for &(target, kind) in self
                    .outgoing
                    .get(current)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    if kind.scope() < level {
                        continue;
                    }
                    if let Some(seen) = visited.get_mut(target) {
                        if !*seen {
                            *seen = true;
                            queue.push_back(target);
                        }
                    }
                }
            }
        }
        for (component, scope) in self.components.iter_mut().zip(assigned) {
            if let Some(scope) = scope {
                component.scope = Some(scope);
            }
        }
        for &root in &self.roots {
            if let Some(component) = self.components.get_mut(root) {
                component.scope = Some(Scope::Required);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{ComponentKind, Source};
    use crate::ecosystem::Ecosystem;
    use crate::name::PackageName;

    /// A registry package of `ecosystem`.
    pub(super) fn key_in(ecosystem: Ecosystem, name: &str, version: &str) -> ComponentKey {
        ComponentKey::new(
            ecosystem,
            PackageName::new(ecosystem, name).unwrap(),
            Some(version.to_owned()),
            Source::DEFAULT_REGISTRY,
        )
    }

    fn key(name: &str) -> ComponentKey {
        key_in(Ecosystem::CratesIo, name, "1.0.0")
    }

    fn graph(edges: &[(&str, &str, EdgeKind)], roots: &[&str]) -> DependencyGraph {
        let mut builder = GraphBuilder::new();
        for (from, to, _) in edges {
            builder.add_component(Component::new(key(from), ComponentKind::Library));
            builder.add_component(Component::new(key(to), ComponentKind::Library));
        }
        for (from, to, kind) in edges {
            assert!(builder.add_edge(&key(from), &key(to), *kind));
        }
        for root in roots {
            assert!(builder.add_root(&key(root)));
        }
        builder.build()
    }

    fn scope(graph: &DependencyGraph, name: &str) -> Option<Scope> {
        graph.get(&key(name)).unwrap().scope
    }

    #[test]
    fn adding_components_keeps_edges_roots_scopes_and_paths() {
        use EdgeKind::*;
        let original = graph(
            &[
                ("app", "serde", Normal),
                ("app", "proptest", Dev),
                ("proptest", "rand", Normal),
            ],
            &["app"],
        );
        let extra = Component::new(key("lonely"), ComponentKind::File);
        let grown = original.clone().with_components([extra]);
        assert_eq!(grown.len(), original.len() + 1);
        assert!(grown.get(&key("lonely")).is_some());
        assert_eq!(
            grown
                .edges()
                .map(|edge| (edge.from.clone(), edge.to.clone(), edge.kind))
                .collect::<Vec<_>>(),
            original
                .edges()
                .map(|edge| (edge.from.clone(), edge.to.clone(), edge.kind))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            grown.roots().collect::<Vec<_>>(),
            original.roots().collect::<Vec<_>>()
        );
        for component in original.components() {
            assert_eq!(grown.get(&component.key), Some(component));
            assert_eq!(
                grown.introduced_through(&component.key),
                original.introduced_through(&component.key)
            );
        }
        assert_eq!(grown.introduced_through(&key("lonely")), None);
    }

    #[test]
    fn scope_is_the_strongest_path() {
        use EdgeKind::*;
        let graph = graph(
            &[
                ("app", "serde", Normal),
                ("app", "proptest", Dev),
                ("proptest", "rand", Normal),
                ("proptest", "serde", Normal),
                ("app", "cc", Build),
                ("cc", "jobserver", Normal),
                ("app", "tracing", Optional),
                ("tracing", "jobserver", Normal),
            ],
            &["app"],
        );
        assert_eq!(scope(&graph, "app"), Some(Scope::Required));
        assert_eq!(scope(&graph, "serde"), Some(Scope::Required));
        assert_eq!(scope(&graph, "proptest"), Some(Scope::Dev));
        assert_eq!(scope(&graph, "rand"), Some(Scope::Dev));
        assert_eq!(scope(&graph, "cc"), Some(Scope::Build));
        assert_eq!(scope(&graph, "jobserver"), Some(Scope::Build));
        assert_eq!(scope(&graph, "tracing"), Some(Scope::Optional));
    }

    #[test]
    fn edges_from_is_edges_filtered_on_from() {
        let graph = graph(
            &[
                ("app", "lib", EdgeKind::Normal),
                ("app", "tool", EdgeKind::Dev),
                ("lib", "tool", EdgeKind::Build),
                ("tool", "lib", EdgeKind::Normal),
            ],
            &["app"],
        );
        for component in graph.components() {
            let from = &component.key;
            let all: Vec<_> = graph
                .edges()
                .filter(|edge| edge.from == from)
                .map(|edge| (edge.to.clone(), edge.kind))
                .collect();
            let direct: Vec<_> = graph
                .edges_from(from)
                .map(|edge| (edge.to.clone(), edge.kind))
                .collect();
            assert_eq!(all, direct, "{from}");
        }
        assert_eq!(graph.edges_from(&key("missing")).count(), 0);
    }

    #[test]
    fn introduced_through_is_a_shortest_path() {
        use EdgeKind::*;
        let graph = graph(
            &[
                ("app", "a", Normal),
                ("a", "b", Normal),
                ("b", "c", Normal),
                ("app", "d", Normal),
                ("d", "c", Normal),
            ],
            &["app"],
        );
        let path: Vec<String> = graph
            .introduced_through(&key("c"))
            .unwrap()
            .iter()
            .map(|key| key.name.to_string())
            .collect();
        assert_eq!(path, ["app", "d", "c"]);
        assert_eq!(graph.introduced_through(&key("app")).unwrap().len(), 1);
    }

    #[test]
    fn unreachable_components_have_no_path_and_keep_their_scope() {
        let mut builder = GraphBuilder::new();
        let mut orphan = Component::new(key("orphan"), ComponentKind::Library);
        orphan.scope = Some(Scope::Dev);
        builder.add_component(orphan);
        builder.add_component(Component::new(key("app"), ComponentKind::Application));
        builder.add_root(&key("app"));
        assert!(!builder.add_edge(&key("app"), &key("missing"), EdgeKind::Normal));
        let graph = builder.build();
        assert!(graph.introduced_through(&key("orphan")).is_none());
        assert_eq!(scope(&graph, "orphan"), Some(Scope::Dev));
    }

    #[test]
    fn merging_keeps_both_evidences() {
        use crate::location::{Evidence, Location};
        let mut builder = GraphBuilder::new();
        let first = Component::new(key("serde"), ComponentKind::Library).with_evidence(Evidence {
            location: Location::line("a/Cargo.lock", 3),
            extractor: "cargo/cargo-lock",
        });
        let second = Component::new(key("serde"), ComponentKind::Library).with_evidence(Evidence {
            location: Location::line("b/Cargo.lock", 9),
            extractor: "cargo/cargo-lock",
        });
        builder.add_component(first);
        builder.add_component(second);
        let graph = builder.build();
        assert_eq!(graph.len(), 1);
        assert_eq!(graph.get(&key("serde")).unwrap().evidence.len(), 2);
    }
}

#[cfg(test)]
mod edge_detail_tests {
    use super::tests::key_in;
    use super::*;
    use crate::component::ComponentKind;
    use crate::ecosystem::Ecosystem;

    fn key(name: &str) -> ComponentKey {
        key_in(Ecosystem::PyPI, name, "1.0")
    }

    fn details(marker: Option<&str>, extras: &[&str]) -> EdgeDetails {
        EdgeDetails {
            marker: marker.map(str::to_owned),
            extras: extras.iter().map(|extra| (*extra).to_owned()).collect(),
            relation: None,
        }
    }

    #[test]
    fn the_same_edge_from_two_files_keeps_both_conditions() {
        let mut builder = GraphBuilder::new();
        for name in ["app", "tomli", "plain"] {
            builder.add_component(Component::new(key(name), ComponentKind::Library));
        }
        let (app, tomli, plain) = (key("app"), key("tomli"), key("plain"));
        builder.add_edge_with(
            &app,
            &tomli,
            EdgeKind::Normal,
            &details(Some("python_version < '3.11'"), &["b"]),
        );
        // Another edge between the two reports: they still merge, in the order added.
        builder.add_edge(&app, &plain, EdgeKind::Normal);
        builder.add_edge_with(
            &app,
            &tomli,
            EdgeKind::Normal,
            &details(Some("sys_platform == 'win32'"), &["a", "b"]),
        );
        let graph = builder.build();
        let edges: Vec<Edge<'_>> = graph.edges().collect();
        assert_eq!(edges.len(), 2);
        let merged = edges.iter().find(|edge| edge.to == &tomli).unwrap();
        assert_eq!(
            merged.details.unwrap(),
            &details(
                Some("(python_version < '3.11') or (sys_platform == 'win32')"),
                &["a", "b"]
            )
        );
        let plain_edge = edges.iter().find(|edge| edge.to == &plain).unwrap();
        assert!(plain_edge.details.is_none());
    }

    #[test]
    fn an_unconditional_report_makes_the_edge_unconditional() {
        let mut merged = details(Some("os_name == 'nt'"), &[]);
        merged.merge(&EdgeDetails::default());
        assert_eq!(merged.marker, None);
        let mut same = details(Some("os_name == 'nt'"), &[]);
        same.merge(&details(Some("os_name == 'nt'"), &[]));
        assert_eq!(same.marker.as_deref(), Some("os_name == 'nt'"));
    }
}
