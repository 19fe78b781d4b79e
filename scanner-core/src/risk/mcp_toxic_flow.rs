//! `mcp-toxic-flow`: one client session holds a tool that reads private data, a tool that
//! takes in content someone else wrote, and a tool that can send data out. Each may be harmless
//! alone; together, an instruction hidden in a web page or an issue can make the agent read the
//! user's files and send them away (the "lethal trifecta"). Classes come from each tool's
//! declaration (`extract/mcp/tool_capabilities.tsv`); the finding names the tools, their
//! servers and the clue behind each class.

use std::collections::BTreeSet;

use super::mcp_flows::{client_scopes, tool_location, tool_name, ClientScope};
use super::{Finding, RuleId};
use crate::component::Component;
use crate::facts::mcp::CapabilityClass;
use crate::graph::DependencyGraph;

/// At most this many tools are named per class.
const NAMED_PER_CLASS: usize = 3;

/// The classes that make a flow toxic together.
const TOXIC: [CapabilityClass; 3] = [
    CapabilityClass::PrivateData,
    CapabilityClass::UntrustedContent,
    CapabilityClass::Exit,
];

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen = BTreeSet::new();
    for scope in client_scopes(graph) {
        let Some(finding) = toxic(graph, &scope) else {
            continue;
        };
        if seen.insert((finding.component.clone(), finding.message.clone())) {
            findings.push(finding);
        }
    }
    findings
}

/// A tool of a server with the clue that gave it a class.
struct Holder<'g> {
    server: &'g Component,
    server_name: &'g str,
    tool: &'g Component,
    reason: &'g str,
}

fn toxic(graph: &DependencyGraph, scope: &ClientScope<'_>) -> Option<Finding> {
    let mut by_class: Vec<Vec<Holder<'_>>> = Vec::new();
    for class in TOXIC {
        let mut holders = Vec::new();
        for server in &scope.servers {
            for tool in &server.tools {
                let Some(capability) = tool.facts.tool.as_ref().and_then(|facts| {
                    facts
                        .capabilities
                        .iter()
                        .find(|capability| capability.class == class)
                }) else {
                    continue;
                };
                holders.push(Holder {
                    server: server.component,
                    server_name: &server.name,
                    tool,
                    reason: &capability.reason,
                });
            }
        }
        if holders.is_empty() {
            return None;
        }
        by_class.push(holders);
    }
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    for (class, holders) in TOXIC.iter().zip(&by_class) {
        let named: Vec<String> = holders
            .iter()
            .take(NAMED_PER_CLASS)
            .map(|holder| {
                evidence.extend(tool_location(holder.tool));
                format!(
                    "`{}` of `{}` ({})",
                    tool_name(holder.tool),
                    holder.server_name,
                    holder.reason
                )
            })
            .collect();
        let more = holders.len().saturating_sub(NAMED_PER_CLASS);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        parts.push(format!("{}: {}{more}", class.phrase(), named.join(", ")));
    }
    // The finding is about the server that can send data out: the way out is what to remove
    // or gate first.
    let exit = by_class.get(2)?.first()?;
    let mut finding = Finding::new(
        graph,
        RuleId::McpToxicFlow,
        &exit.server.key,
        format!(
            "{} lets one session combine private data, untrusted content and an exit: {}; content the agent reads can make it send private data out: remove one of them from this client or require approval for the exit",
            scope.label(),
            parts.join("; ")
        ),
    );
    evidence.sort();
    evidence.dedup();
    finding.evidence = evidence;
    Some(finding)
}
