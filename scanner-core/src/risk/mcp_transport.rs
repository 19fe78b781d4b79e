//! `mcp-plain-http` and `mcp-remote-server`: where a server's traffic goes. A remote server
//! receives every tool call the agent makes to it, with whatever data the model puts in the
//! arguments; over plain HTTP to another host, the calls and the credentials in their headers
//! also cross the network unencrypted. Loopback addresses stay on the machine and are fine.

use super::mcp_common::{declaration, enabled_servers, label, server_facts};
use super::{Finding, RuleId};
use crate::extract::mcp::secrets::{is_loopback, url_host, url_scheme};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for server in enabled_servers(graph) {
        for (url, own) in server_facts(server)
            .map(|facts| facts.urls())
            .unwrap_or_default()
        {
            let Some(host) = url_host(&url) else { continue };
            if is_loopback(&host) {
                continue;
            }
            let plain = matches!(url_scheme(&url).as_deref(), Some("http" | "ws"));
            if plain {
                findings.push(Finding {
                    evidence: declaration(server),
                    ..Finding::new(
                    graph,
                    RuleId::McpPlainHttp,
                    &server.key,
                    format!(
                        "{} {} {url} over plain HTTP: tool calls and any credentials in them cross the network unencrypted; use https",
                        label(server),
                        if own { "is reached at" } else { "forwards to" }
                    ),
                )
                });
            } else if own {
                findings.push(Finding {
                    evidence: declaration(server),
                    ..Finding::new(
                    graph,
                    RuleId::McpRemoteServer,
                    &server.key,
                    format!(
                        "{} runs on `{host}` ({url}): the agent's tool calls and the data in them leave this machine",
                        label(server)
                    ),
                )
                });
            }
        }
    }
    findings
}
