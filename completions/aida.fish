# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_aida_global_optspecs
    string join \n config= home= v/verbose q/quiet h/help V/version
end

function __fish_aida_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_aida_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_aida_using_subcommand
    set -l cmd (__fish_aida_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c aida -n "__fish_aida_needs_command" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_needs_command" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_needs_command" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_needs_command" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_needs_command" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_needs_command" -f -a "config" -d 'Show the effective configuration and where each value came from'
complete -c aida -n "__fish_aida_needs_command" -f -a "model" -d 'Manage and inspect local models'
complete -c aida -n "__fish_aida_needs_command" -f -a "ingest" -d 'Parse, chunk, index and embed runbooks into the knowledge base'
complete -c aida -n "__fish_aida_needs_command" -f -a "search" -d 'Search the runbooks with text or an alert file'
complete -c aida -n "__fish_aida_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c aida -n "__fish_aida_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "show" -d 'Print every key, its value (secrets masked) and where it came from'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "path" -d 'Print the path of the configuration file in use'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from show" -l format -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from show" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from path" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print every key, its value (secrets masked) and where it came from'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the path of the configuration file in use'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list help" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list help" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list help" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list help" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list help" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list help" -f -a "list" -d 'List installed models and where each came from'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -l format -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "list" -d 'List installed models and where each came from'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand ingest" -l runbooks -d 'Runbook directory (repeatable) [default: knowledge.runbook_dirs, else the runbooks built into this binary]' -r -F
complete -c aida -n "__fish_aida_using_subcommand ingest" -l format -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand ingest" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand ingest" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand ingest" -l rebuild -d 'Discard the existing index and embed everything again'
complete -c aida -n "__fish_aida_using_subcommand ingest" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand ingest" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand ingest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand ingest" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand search" -l alert -d 'Build the query from an alert: Alertmanager payload or single alert JSON (`-` = stdin)' -r -F
complete -c aida -n "__fish_aida_using_subcommand search" -l top-k -d 'Number of runbooks to return [default: knowledge.top_k]' -r
complete -c aida -n "__fish_aida_using_subcommand search" -l mode -r -f -a "hybrid\t'BM25 and vectors fused (reciprocal rank fusion) plus an exact alert-name boost'
bm25\t'tantivy BM25 only'
vector\t'MiniLM cosine similarity only'"
complete -c aida -n "__fish_aida_using_subcommand search" -l format -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand search" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand search" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand search" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand search" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand search" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand completions" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand completions" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand completions" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand completions" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from config model ingest search completions help" -f -a "config" -d 'Show the effective configuration and where each value came from'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from config model ingest search completions help" -f -a "model" -d 'Manage and inspect local models'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from config model ingest search completions help" -f -a "ingest" -d 'Parse, chunk, index and embed runbooks into the knowledge base'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from config model ingest search completions help" -f -a "search" -d 'Search the runbooks with text or an alert file'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from config model ingest search completions help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from config model ingest search completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every key, its value (secrets masked) and where it came from'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the path of the configuration file in use'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "list" -d 'List installed models and where each came from'
