
use builtin;
use str;

set edit:completion:arg-completer[aida] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'aida'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'aida'= {
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand config 'Show the effective configuration and where each value came from'
            cand model 'Manage and inspect local models'
            cand ingest 'Parse, chunk, index and embed runbooks into the knowledge base'
            cand search 'Search the runbooks with text or an alert file'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;config'= {
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print every key, its value (secrets masked) and where it came from'
            cand path 'Print the path of the configuration file in use'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;config;show'= {
            cand --format 'format'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;config;path'= {
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;config;help'= {
            cand show 'Print every key, its value (secrets masked) and where it came from'
            cand path 'Print the path of the configuration file in use'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;config;help;show'= {
        }
        &'aida;config;help;path'= {
        }
        &'aida;config;help;help'= {
        }
        &'aida;model'= {
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List installed models and where each came from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;model;list'= {
            cand --format 'format'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;model;help'= {
            cand list 'List installed models and where each came from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;model;help;list'= {
        }
        &'aida;model;help;help'= {
        }
        &'aida;ingest'= {
            cand --runbooks 'Runbook directory (repeatable) [default: knowledge.runbook_dirs, else the runbooks built into this binary]'
            cand --format 'format'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand --rebuild 'Discard the existing index and embed everything again'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;search'= {
            cand --alert 'Build the query from an alert: Alertmanager payload or single alert JSON (`-` = stdin)'
            cand --top-k 'Number of runbooks to return [default: knowledge.top_k]'
            cand --mode 'mode'
            cand --format 'format'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;completions'= {
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;help'= {
            cand config 'Show the effective configuration and where each value came from'
            cand model 'Manage and inspect local models'
            cand ingest 'Parse, chunk, index and embed runbooks into the knowledge base'
            cand search 'Search the runbooks with text or an alert file'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;help;config'= {
            cand show 'Print every key, its value (secrets masked) and where it came from'
            cand path 'Print the path of the configuration file in use'
        }
        &'aida;help;config;show'= {
        }
        &'aida;help;config;path'= {
        }
        &'aida;help;model'= {
            cand list 'List installed models and where each came from'
        }
        &'aida;help;model;list'= {
        }
        &'aida;help;ingest'= {
        }
        &'aida;help;search'= {
        }
        &'aida;help;completions'= {
        }
        &'aida;help;help'= {
        }
    ]
    $completions[$command]
}
