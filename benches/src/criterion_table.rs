//! Criterion's results as Markdown: the medians of every benchmark under
//! `target/criterion`, one table per group, for `docs/BENCHMARKS.md`.

use std::path::Path;

/// Finds every `new/benchmark.json` under `dir`: (group, function, median ns).
fn collect(dir: &Path, out: &mut Vec<(String, String, f64)>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if !p.is_dir() {
            continue;
        }
        let (b, est) = (p.join("new/benchmark.json"), p.join("new/estimates.json"));
        if b.exists() && est.exists() {
            let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&b)?)?;
            let est: serde_json::Value = serde_json::from_slice(&std::fs::read(&est)?)?;
            let group = b["group_id"].as_str().unwrap_or("").to_owned();
            let func = b["function_id"].as_str().unwrap_or("").to_owned();
            let median = est["median"]["point_estimate"].as_f64().unwrap_or(f64::NAN);
            out.push((group, func, median));
        } else if p
            .file_name()
            .is_some_and(|n| n != "new" && n != "base" && n != "change")
        {
            collect(&p, out)?;
        }
    }
    Ok(())
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Prints the medians of the criterion results under `dir` as Markdown tables:
/// one per benchmark group, one row per query, one column per implementation,
/// and the ratio of `mxlists` to each baseline.
pub fn print(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut results = Vec::new();
    collect(dir, &mut results)?;
    results.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut groups: Vec<String> = results.iter().map(|r| r.0.clone()).collect();
    groups.dedup();
    for group in groups {
        let rows: Vec<&(String, String, f64)> = results.iter().filter(|r| r.0 == group).collect();
        let mut impls: Vec<&str> = Vec::new();
        let mut queries: Vec<&str> = Vec::new();
        for (_, f, _) in &rows {
            let (q, i) = f.split_once('/').unwrap_or((f, ""));
            if !queries.contains(&q) {
                queries.push(q);
            }
            if !impls.contains(&i) {
                impls.push(i);
            }
        }
        impls.sort_by_key(|i| (!i.starts_with("mxlists"), *i != "mxlists", *i));
        // Hits first, then misses nearest the listed values.
        queries.sort_by_key(|q| {
            let rank = ["-hit", "-near-miss", "-miss", "-far-miss"]
                .iter()
                .position(|s| q.ends_with(s))
                .unwrap_or(4);
            (q.split('-').next().unwrap_or(q).to_owned(), rank)
        });
        let what = if group.starts_with("open") {
            "median"
        } else {
            "median per lookup"
        };
        println!("\n**{group}** ({what})\n");
        let others: Vec<&str> = impls
            .iter()
            .copied()
            .filter(|i| !i.starts_with("mxlists"))
            .collect();
        let mut head = format!("| query | {} |", impls.join(" | "));
        let mut rule = format!("|---|{}", "---:|".repeat(impls.len()));
        if impls.contains(&"mxlists") {
            for o in &others {
                head.push_str(&format!(" mxlists / {o} |"));
                rule.push_str("---:|");
            }
        }
        println!("{head}\n{rule}");
        for q in queries {
            let get = |i: &str| {
                rows.iter()
                    .find(|r| r.1 == format!("{q}/{i}") || (i.is_empty() && r.1 == q))
                    .map(|r| r.2)
            };
            let mut line = format!("| {q} |");
            for i in &impls {
                line.push_str(&format!(" {} |", get(i).map(fmt_ns).unwrap_or_default()));
            }
            if impls.contains(&"mxlists") {
                for o in &others {
                    let r = match (get("mxlists"), get(o)) {
                        (Some(m), Some(x)) if m / x < 0.1 => format!("1/{:.0}", x / m),
                        (Some(m), Some(x)) => format!("{:.2}x", m / x),
                        _ => String::new(),
                    };
                    line.push_str(&format!(" {r} |"));
                }
            }
            println!("{line}");
        }
    }
    Ok(())
}
