//! Aligned text tables for people.

use trino_platform::cluster::Cluster;

use crate::Shown;

const HEADER: [&str; 5] = ["NAME", "GROUP", "ACTIVE", "PROXY TO", "EXTERNAL URL"];

/// Renders clusters as left-aligned columns under a header, one cluster per line.
pub(crate) fn render(shown: &Shown) -> String {
    let clusters: &[Cluster] = match shown {
        Shown::One(cluster) => std::slice::from_ref(cluster),
        Shown::Many(clusters) => clusters,
    };
    let rows: Vec<[&str; 5]> = clusters
        .iter()
        .map(|c| {
            let active = if c.active { "yes" } else { "no" };
            [c.name.as_str(), c.routing_group.as_str(), active, c.proxy_to.as_str(), c.external_url.as_str()]
        })
        .collect();
    let mut widths = HEADER.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&HEADER).chain(&rows) {
        let line: Vec<String> = row.iter().zip(widths).map(|(cell, width)| format!("{cell:width$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
