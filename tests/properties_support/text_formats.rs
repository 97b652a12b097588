//! Structure-aware configuration files and runbooks: valid documents, and documents with one
//! known fault together with what the error must say.
use proptest::prelude::*;

// ---------------------------------------------------------------- configuration

/// `a.b.c` in a TOML table.
pub fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut current = table.get(parts.next()?)?;
    for part in parts {
        current = current.as_table()?.get(part)?;
    }
    Some(current)
}

fn insert(table: &mut toml::Table, path: &str, value: toml::Value) {
    let (parents, last) = path
        .rsplit_once('.')
        .map_or((None, path), |(p, l)| (Some(p), l));
    let mut current = table;
    for part in parents.into_iter().flat_map(|p| p.split('.')) {
        current = current
            .entry(part)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .unwrap();
    }
    current.insert(last.to_string(), value);
}

fn valid_value(key: &aida::config::Key, seed: u64, text: &str) -> toml::Value {
    use aida::config::KeyKind;
    let s = |t: &str| toml::Value::String(t.to_string());
    match (key.path, key.kind, key.range) {
        ("llm.backend", _, _) => s(["local", "openai", "none"][seed as usize % 3]),
        ("queue.backend", _, _) => s(["sqlite", "redis"][seed as usize % 2]),
        ("llm.local.category_policy", _, _) => {
            s(["analyzers", "supported", "model"][seed as usize % 3])
        }
        (_, KeyKind::Int, Some((min, max))) => {
            let span = (max - min) as u64 + 1;
            toml::Value::Integer(min + (seed % span) as i64)
        }
        (_, KeyKind::Int, None) => toml::Value::Integer(seed as i64 & 0xffff),
        (_, KeyKind::Bool, _) => toml::Value::Boolean(seed.is_multiple_of(2)),
        (_, KeyKind::PathList, _) => {
            toml::Value::Array((0..seed % 3).map(|i| s(&format!("{text}/{i}"))).collect())
        }
        _ => s(text),
    }
}

/// A configuration file of known keys with valid values, or with one fault; the fault is the
/// dotted key its error must name.
pub fn config_file() -> impl Strategy<Value = (String, Option<String>)> {
    let keys = aida::config::KEYS;
    let entries = prop::collection::btree_map(0..keys.len(), (any::<u64>(), "[ -~é]{0,24}"), 0..10);
    (entries, 0..8u8, any::<u64>(), "[a-z_]{1,10}").prop_map(move |(chosen, fault, seed, name)| {
        let mut table = toml::Table::new();
        for (i, (seed, text)) in &chosen {
            insert(
                &mut table,
                keys[*i].path,
                valid_value(&keys[*i], *seed, text),
            );
        }
        let ints: Vec<_> = keys.iter().filter(|k| k.range.is_some()).collect();
        let strs: Vec<_> = keys
            .iter()
            .filter(|k| k.kind == aida::config::KeyKind::Str)
            .collect();
        let fault = match fault {
            0 => {
                let key = ints[seed as usize % ints.len()];
                let (min, max) = key.range.unwrap();
                let value = if seed % 2 == 0 {
                    min - 1 - (seed % 7) as i64
                } else {
                    max + 1 + (seed % 1000) as i64
                };
                insert(&mut table, key.path, toml::Value::Integer(value));
                Some(key.path.to_string())
            }
            1 => {
                let key = ints[seed as usize % ints.len()];
                insert(&mut table, key.path, toml::Value::String("many".into()));
                Some(key.path.to_string())
            }
            2 => {
                let key = strs[seed as usize % strs.len()];
                insert(
                    &mut table,
                    key.path,
                    toml::Value::Integer(seed as i64 & 0xff),
                );
                Some(key.path.to_string())
            }
            3 => {
                insert(
                    &mut table,
                    "llm.backend",
                    toml::Value::String(format!("{name}x")),
                );
                Some("llm.backend".to_string())
            }
            4 => {
                // An unknown key in a known section (or at the top).
                let sections = ["", "llm", "llm.local", "server", "knowledge"];
                let section = sections[seed as usize % sections.len()];
                let path = if section.is_empty() {
                    format!("zz{name}")
                } else {
                    format!("{section}.zz{name}")
                };
                insert(&mut table, &path, toml::Value::Integer(1));
                Some(path)
            }
            _ => None,
        };
        (toml::to_string(&table).unwrap(), fault)
    })
}

// ---------------------------------------------------------------- runbooks

/// What a generated runbook must parse to.
#[derive(Debug, Clone)]
pub struct ExpectedRunbook {
    pub title: Option<String>,
    pub alerts: Vec<String>,
    pub categories: Vec<String>,
    pub headings: Vec<String>,
}

#[derive(Debug, Clone)]
enum Block {
    Heading(usize, String),
    Paragraph(String),
    Code(Vec<String>),
    List(Vec<String>),
}

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z][A-Za-z0-9]{0,8}", 1..6).prop_map(|w| w.join(" "))
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        2 => (1..5usize, words()).prop_map(|(l, t)| Block::Heading(l, t)),
        3 => words().prop_map(Block::Paragraph),
        // No backquote: a line of three would close the fence.
        1 => prop::collection::vec("[ -_a-~]{0,30}", 0..4).prop_map(Block::Code),
        1 => prop::collection::vec(words(), 1..4).prop_map(Block::List),
    ]
}

fn yaml_list(items: &[String], style: u8) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    match (style % 3, items.len()) {
        (_, 0) => String::new(),
        (0, 1) => quoted[0].clone(),
        (1, _) => format!(
            "\n{}",
            quoted
                .iter()
                .map(|q| format!("  - {q}\n"))
                .collect::<String>()
        ),
        _ => format!("[{}]", quoted.join(", ")),
    }
}

/// A valid runbook (front matter optional) and what it must parse to.
pub fn runbook() -> impl Strategy<Value = (String, ExpectedRunbook)> {
    (
        prop::option::of((
            prop::option::of("[A-Za-z0-9 ,.()_-]{0,30}"),
            prop::collection::vec("[A-Z][A-Za-z0-9]{2,20}", 0..4),
            prop::collection::vec("[a-z_]{3,15}", 0..3),
            any::<u8>(),
            prop::option::of("[a-z]{1,8}: [0-9]{1,3}"),
        )),
        prop::collection::vec(block(), 0..8),
        words(),
    )
        .prop_map(|(front, mut blocks, text)| {
            // A runbook needs text: one paragraph at least.
            blocks.push(Block::Paragraph(text));
            let mut out = String::new();
            let mut expected = ExpectedRunbook {
                title: None,
                alerts: Vec::new(),
                categories: Vec::new(),
                headings: Vec::new(),
            };
            if let Some((title, alerts, categories, style, extra)) = front {
                out.push_str("---\n");
                if let Some(t) = &title {
                    out.push_str(&format!("title: \"{t}\"\n"));
                    expected.title = Some(t.trim().to_string()).filter(|t| !t.is_empty());
                }
                out.push_str(&format!("alerts: {}\n", yaml_list(&alerts, style)));
                out.push_str(&format!(
                    "categories: {}\n",
                    yaml_list(&categories, style / 3)
                ));
                if let Some(e) = extra {
                    out.push_str(&format!("{e}\n"));
                }
                out.push_str(if style % 2 == 0 { "---\n" } else { "...\n" });
                expected.alerts = alerts;
                expected.categories = categories;
            }
            let first_heading = blocks.iter().find_map(|b| match b {
                Block::Heading(level, text) => Some((*level, text.clone())),
                _ => None,
            });
            if expected.title.is_none() {
                expected.title = Some(match first_heading {
                    Some((1, text)) => text,
                    _ => "pod crash looping".to_string(),
                });
            }
            for b in blocks {
                match b {
                    Block::Heading(level, text) => {
                        out.push_str(&format!("{} {text}\n\n", "#".repeat(level)));
                        expected.headings.push(text);
                    }
                    Block::Paragraph(text) => out.push_str(&format!("{text}\n\n")),
                    Block::Code(lines) => {
                        out.push_str("```\n");
                        for l in lines {
                            out.push_str(&format!("{l}\n"));
                        }
                        out.push_str("```\n\n");
                    }
                    Block::List(items) => {
                        for i in items {
                            out.push_str(&format!("- {i}\n"));
                        }
                        out.push('\n');
                    }
                }
            }
            (out, expected)
        })
}

/// A runbook with one fault, and what its error must say.
pub fn broken_runbook() -> impl Strategy<Value = (Vec<u8>, String)> {
    let bad_utf8 = (runbook(), any::<usize>()).prop_map(|((text, _), at)| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut bytes = text.into_bytes();
        bytes.insert(at, 0xff);
        (bytes, format!("not valid UTF-8 (byte {at})"))
    });
    let unclosed = runbook().prop_map(|(text, _)| {
        let body = text.strip_prefix("---\n").map_or(text.as_str(), |rest| {
            rest.split_once("\n---\n")
                .or_else(|| rest.split_once("\n...\n"))
                .map_or(rest, |(_, body)| body)
        });
        (
            format!("---\ntitle: x\n{body}").into_bytes(),
            "no closing `---` line".to_string(),
        )
    });
    let bad_yaml = (
        prop::sample::select(vec![
            "alerts: [A, B\n",
            "title: [1, 2]\n",
            "title: {a: b}\n",
            "alerts: {x: 1}\n",
            "title: \"unterminated\n",
            "\tbad: indentation\n",
            "alerts: *nowhere\n",
        ]),
        words(),
    )
        .prop_map(|(yaml, text)| {
            (
                format!("---\n{yaml}---\n# T\n\n{text}\n").into_bytes(),
                "front matter, line ".to_string(),
            )
        });
    let empty = prop::sample::select(vec!["", "\n\n", "---\ntitle: t\n---\n", "   \n<!-- -->\n"])
        .prop_map(|t| (t.as_bytes().to_vec(), "no text".to_string()));
    prop_oneof![bad_utf8, unclosed, bad_yaml, empty]
}
