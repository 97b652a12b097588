//! Help that teaches: every flag says what it does, every command shows working examples, the
//! global options stand apart, and the README describes exactly the commands this build has.
use std::collections::{BTreeMap, BTreeSet};

use clap::{CommandFactory, Parser};

const GLOBAL_HEADING: &str = "Global options";
const GLOBAL_ARGS: &[&str] = &["config", "home", "verbose", "quiet"];

/// The command line as `aida` builds it (globals propagated, help and version added).
fn cli() -> clap::Command {
    let mut cmd = aida::cli::Cli::command();
    cmd.build();
    cmd
}

/// Every command below `cmd` with its path (`["model", "pull"]`), clap's `help` excluded.
fn walk<'a>(
    cmd: &'a clap::Command,
    path: Vec<String>,
    out: &mut Vec<(Vec<String>, &'a clap::Command)>,
) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut p = path.clone();
        p.push(sub.get_name().to_string());
        out.push((p.clone(), sub));
        walk(sub, p, out);
    }
}

fn commands(root: &clap::Command) -> Vec<(Vec<String>, &clap::Command)> {
    let mut out = Vec::new();
    walk(root, Vec::new(), &mut out);
    out
}

fn is_leaf(cmd: &clap::Command) -> bool {
    cmd.get_subcommands().all(|s| s.get_name() == "help")
}

fn examples(cmd: &clap::Command) -> String {
    [cmd.get_after_help(), cmd.get_after_long_help()]
        .into_iter()
        .flatten()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_flag_has_help_and_every_command_examples() {
    let root = cli();
    let mut missing = Vec::new();
    for (path, cmd) in commands(&root) {
        let name = format!("aida {}", path.join(" "));
        if cmd.get_about().is_none() {
            missing.push(format!("{name}: no description"));
        }
        for arg in cmd.get_arguments() {
            let help = arg
                .get_help()
                .or(arg.get_long_help())
                .map(|h| h.to_string());
            if help.is_none_or(|h| h.trim().is_empty()) {
                missing.push(format!("{name} {}: no help text", arg.get_id()));
            }
        }
        if is_leaf(cmd) {
            let text = examples(cmd);
            let count = text
                .lines()
                .filter(|l| example_invocations(l).next().is_some())
                .count();
            if !text.contains("Examples:") || count < 2 {
                missing.push(format!(
                    "{name}: needs an \"Examples:\" section with 2-3 invocations (has {count})"
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "help that does not teach:\n{}",
        missing.join("\n")
    );
}

#[test]
fn global_options_have_their_own_heading() {
    let root = cli();
    let mut wrong = Vec::new();
    for (path, cmd) in commands(&root) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            let heading = arg.get_help_heading();
            let global = GLOBAL_ARGS.contains(&id);
            if global != (heading == Some(GLOBAL_HEADING)) {
                wrong.push(format!(
                    "aida {} --{id}: heading {heading:?}",
                    path.join(" ")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let help = cli()
        .find_subcommand_mut("search")
        .unwrap()
        .render_long_help()
        .to_string();
    let options = help.find("Options:").expect("an Options section");
    let globals = help
        .find("Global options:")
        .expect("a Global options section");
    assert!(options < globals, "command options come first:\n{help}");
    assert!(help[options..globals].contains("--top-k"), "{help}");
    assert!(help[globals..].contains("--config"), "{help}");
}

/// The `aida ...` invocations in one line of an example (`echo x | aida ...` included), as
/// words; comments, redirections and the environment assignments before them left out.
fn example_invocations(line: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    let words = shell_words(line);
    let mut commands: Vec<Vec<String>> = vec![Vec::new()];
    for word in words {
        match word.as_str() {
            "|" | "&&" | ";" => commands.push(Vec::new()),
            _ => commands.last_mut().unwrap().push(word),
        }
    }
    commands.into_iter().filter_map(|mut words| {
        while words.first().is_some_and(|w| is_assignment(w)) {
            words.remove(0);
        }
        (words.first().map(String::as_str) == Some("aida")).then_some(words)
    })
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
    })
}

/// A small shell splitter: quotes, and `#`, `>`, `<` ending the command (comment, redirection);
/// `|`, `&&`, `;` as words of their own.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = line.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#' | '>' | '<') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '|' | ';') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                words.push(c.to_string());
            }
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                words.push("&&".into());
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn shell_words_split_like_a_shell() {
    assert_eq!(
        shell_words(r#"NO_COLOR=1 aida search "disk full" --top-k 3 > out.txt # why"#),
        ["NO_COLOR=1", "aida", "search", "disk full", "--top-k", "3"]
    );
    let found: Vec<_> = example_invocations("echo x | aida model tokenize -").collect();
    assert_eq!(found, [["aida", "model", "tokenize", "-"]]);
    assert_eq!(example_invocations("# aida nothing").count(), 0);
}

/// Every example parses with this build's command line, and the repository files it names exist.
#[test]
fn every_example_is_a_working_invocation() {
    let root = cli();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bad = Vec::new();
    let mut seen = 0;
    for (path, cmd) in commands(&root) {
        for line in examples(cmd).lines() {
            for words in example_invocations(line) {
                seen += 1;
                if let Err(e) = aida::cli::Cli::try_parse_from(&words) {
                    bad.push(format!("aida {}: {line:?}: {e}", path.join(" ")));
                }
                for word in words.iter().filter(|w| w.starts_with("tests/")) {
                    if !repo.join(word).exists() {
                        bad.push(format!("{line:?}: {word} is not in the repository"));
                    }
                }
            }
        }
    }
    assert!(seen > 30, "only {seen} examples found");
    assert!(
        bad.is_empty(),
        "examples that do not work:\n{}",
        bad.join("\n")
    );
}

/// Names and aliases of the subcommands of `cmd`.
fn names(cmd: &clap::Command) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for sub in cmd.get_subcommands() {
        out.insert(sub.get_name().to_string(), sub.get_name().to_string());
        for alias in sub.get_all_aliases() {
            out.insert(alias.to_string(), sub.get_name().to_string());
        }
    }
    out
}

/// The text of the README's code: fenced blocks and inline code spans.
fn readme_code(readme: &str) -> Vec<String> {
    let mut code = Vec::new();
    let mut fenced = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            code.push(line.to_string());
        } else {
            // `\|` is a `|` inside a table cell.
            let line = line.replace("\\|", "|");
            code.extend(line.split('`').skip(1).step_by(2).map(str::to_string));
        }
    }
    code
}

/// The README mentions only commands this build has (aliases count), and every command.
#[test]
fn readme_and_command_tree_agree() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let root = cli();
    let top = names(&root);
    let mention = regex::Regex::new(r"\baida ([a-z][a-z0-9-]*)(?: ([a-z][a-z0-9|-]*))?").unwrap();
    let mut unknown = BTreeSet::new();
    let mut mentioned: BTreeSet<Vec<String>> = BTreeSet::new();
    for code in readme_code(&readme) {
        for m in mention.captures_iter(&code) {
            let word = &m[1];
            let Some(name) = top.get(word) else {
                unknown.insert(format!("aida {word}"));
                continue;
            };
            mentioned.insert(vec![name.clone()]);
            let cmd = root.find_subcommand(name).unwrap();
            if is_leaf(cmd) {
                continue;
            }
            let subs = names(cmd);
            for alternative in m.get(2).map_or("", |s| s.as_str()).split('|') {
                match subs.get(alternative) {
                    Some(sub) => {
                        mentioned.insert(vec![name.clone(), sub.clone()]);
                    }
                    None if alternative.is_empty() => {}
                    None => {
                        unknown.insert(format!("aida {word} {alternative}"));
                    }
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "README mentions commands this build lacks: {unknown:?}"
    );
    let missing: Vec<String> = commands(&root)
        .into_iter()
        .filter(|(path, _)| !mentioned.contains(path))
        .map(|(path, _)| format!("aida {}", path.join(" ")))
        .collect();
    assert!(
        missing.is_empty(),
        "commands the README does not mention: {missing:?}"
    );
}

#[test]
fn readme_code_is_fenced_blocks_and_inline_spans() {
    let code = readme_code(
        "Run `aida frobnicate` or `aida model info\\|list` | x |\n```sh\naida model pull x\n```\n",
    );
    assert_eq!(
        code,
        [
            "aida frobnicate",
            "aida model info|list",
            "aida model pull x"
        ]
    );
}

/// One rendered page, pinned: what `aida investigate --help` shows at 100 columns.
#[test]
fn investigate_help_snapshot() {
    let mut cmd = aida::cli::Cli::command().term_width(100);
    cmd.build();
    let help = cmd
        .find_subcommand_mut("investigate")
        .unwrap()
        .render_long_help()
        .to_string();
    insta::assert_snapshot!(help);
}
