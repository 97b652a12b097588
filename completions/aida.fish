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
complete -c aida -n "__fish_aida_needs_command" -f -a "investigate" -d 'Investigate an alert and print the root-cause report'
complete -c aida -n "__fish_aida_needs_command" -f -a "eval" -d 'Run every incident bundle in a directory and score the reports against expected.json'
complete -c aida -n "__fish_aida_needs_command" -f -a "serve-webhook" -d 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool'
complete -c aida -n "__fish_aida_needs_command" -f -a "serve" -d 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool'
complete -c aida -n "__fish_aida_needs_command" -f -a "list" -d 'List stored incidents, newest first, with their status, category and review'
complete -c aida -n "__fish_aida_needs_command" -f -a "show" -d 'Print the stored report of an incident (as `aida investigate` printed it)'
complete -c aida -n "__fish_aida_needs_command" -f -a "retry" -d 'Queue a failed webhook investigation again'
complete -c aida -n "__fish_aida_needs_command" -f -a "sync" -d 'Push the runs, traces and reviews not yet in MLflow (and show what is pending)'
complete -c aida -n "__fish_aida_needs_command" -f -a "bundle" -d 'Inspect incident bundles (validate one and print the analyzers\' findings)'
complete -c aida -n "__fish_aida_needs_command" -f -a "config" -d 'Show the effective configuration and where each value came from'
complete -c aida -n "__fish_aida_needs_command" -f -a "model" -d 'Manage and inspect local models'
complete -c aida -n "__fish_aida_needs_command" -f -a "ingest" -d 'Parse, chunk, index and embed runbooks into the knowledge base'
complete -c aida -n "__fish_aida_needs_command" -f -a "search" -d 'Search the runbooks with text or an alert file'
complete -c aida -n "__fish_aida_needs_command" -f -a "review" -d 'Review stored investigations in a terminal console: approve, correct or reject each'
complete -c aida -n "__fish_aida_needs_command" -f -a "feedback" -d 'Record a review without the console: approve, correct from a file, or reject'
complete -c aida -n "__fish_aida_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c aida -n "__fish_aida_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand investigate" -l alertname -d 'Build the alert from a name instead of a file' -r
complete -c aida -n "__fish_aida_using_subcommand investigate" -l label -d 'Alert label (repeatable), with --alertname' -r
complete -c aida -n "__fish_aida_using_subcommand investigate" -l bundle -d 'Replay a recorded incident bundle instead of the live cluster (its alert.json is used when no alert is given)' -r -F
complete -c aida -n "__fish_aida_using_subcommand investigate" -l record -d 'Record everything the tools see into a new bundle directory (live runs)' -r -F
complete -c aida -n "__fish_aida_using_subcommand investigate" -l llm -d 'Who writes the conclusion [default: config llm.backend]' -r -f -a "local\t'Gemma through candle on this machine'
openai\t'Any OpenAI-compatible chat-completions API'
none\t'No LLM: analyzer findings only'"
complete -c aida -n "__fish_aida_using_subcommand investigate" -l adapter -d 'LoRA adapter directory (PEFT layout) for the local model' -r -F
complete -c aida -n "__fish_aida_using_subcommand investigate" -l format -d 'Output format' -r -f -a "markdown\t'The report as markdown, warnings first'
json\t'One JSON document (investigate: the {"reports": [...], "skipped": [...]} envelope; show: the report)'"
complete -c aida -n "__fish_aida_using_subcommand investigate" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand investigate" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand investigate" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand investigate" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand investigate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand investigate" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand eval" -l llm -d 'Who writes the conclusion [default: config llm.backend]' -r -f -a "local\t'Gemma through candle on this machine'
openai\t'Any OpenAI-compatible chat-completions API'
none\t'No LLM: analyzer findings only'"
complete -c aida -n "__fish_aida_using_subcommand eval" -l adapter -d 'LoRA adapter directory (PEFT layout) for the local model' -r -F
complete -c aida -n "__fish_aida_using_subcommand eval" -l format -d 'Output format: a table, or the summary and every case with its report' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand eval" -l min-accuracy -d 'Exit 1 when category accuracy is below this (0..1)' -r
complete -c aida -n "__fish_aida_using_subcommand eval" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand eval" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand eval" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand eval" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand eval" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand eval" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l listen -d 'Address to listen on, HOST:PORT; port 0 takes a free one (the `listening` log line names it) [default: config server.listen]' -r
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l workers -d 'Investigations run at once, sharing one loaded model; 0 only receives (another server on the same store or Redis stream investigates) [default: config server.workers]' -r
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l bundle -d 'Replay this incident bundle as every alert\'s evidence instead of the live cluster (demo and test mode)' -r -F
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l llm -d 'Who writes the conclusion [default: config llm.backend]' -r -f -a "local\t'Gemma through candle on this machine'
openai\t'Any OpenAI-compatible chat-completions API'
none\t'No LLM: analyzer findings only'"
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l adapter -d 'LoRA adapter directory (PEFT layout) for the local model' -r -F
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l shutdown-timeout -d 'Seconds a shutdown (SIGTERM, Ctrl-C) waits for running investigations before returning their jobs to the queue' -r
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l retry-backoff-ms -d 'Delay before the first retry of a failed attempt in milliseconds (each further retry waits 4x longer)' -r
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l lease-ms -d 'How long a job\'s claim lasts without a heartbeat before another worker may take it, in milliseconds' -r
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l mlflow-sync-interval-ms -d 'How often the MLflow outbox is drained, in milliseconds (when MLflow is configured)' -r
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -l no-listen -d 'Run the workers only, without the HTTP receiver: they take jobs from the queue (config queue.backend; Redis for a worker host, or this host\'s SQLite queue)'
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand serve-webhook" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand serve" -l listen -d 'Address to listen on, HOST:PORT; port 0 takes a free one (the `listening` log line names it) [default: config server.listen]' -r
complete -c aida -n "__fish_aida_using_subcommand serve" -l workers -d 'Investigations run at once, sharing one loaded model; 0 only receives (another server on the same store or Redis stream investigates) [default: config server.workers]' -r
complete -c aida -n "__fish_aida_using_subcommand serve" -l bundle -d 'Replay this incident bundle as every alert\'s evidence instead of the live cluster (demo and test mode)' -r -F
complete -c aida -n "__fish_aida_using_subcommand serve" -l llm -d 'Who writes the conclusion [default: config llm.backend]' -r -f -a "local\t'Gemma through candle on this machine'
openai\t'Any OpenAI-compatible chat-completions API'
none\t'No LLM: analyzer findings only'"
complete -c aida -n "__fish_aida_using_subcommand serve" -l adapter -d 'LoRA adapter directory (PEFT layout) for the local model' -r -F
complete -c aida -n "__fish_aida_using_subcommand serve" -l shutdown-timeout -d 'Seconds a shutdown (SIGTERM, Ctrl-C) waits for running investigations before returning their jobs to the queue' -r
complete -c aida -n "__fish_aida_using_subcommand serve" -l retry-backoff-ms -d 'Delay before the first retry of a failed attempt in milliseconds (each further retry waits 4x longer)' -r
complete -c aida -n "__fish_aida_using_subcommand serve" -l lease-ms -d 'How long a job\'s claim lasts without a heartbeat before another worker may take it, in milliseconds' -r
complete -c aida -n "__fish_aida_using_subcommand serve" -l mlflow-sync-interval-ms -d 'How often the MLflow outbox is drained, in milliseconds (when MLflow is configured)' -r
complete -c aida -n "__fish_aida_using_subcommand serve" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand serve" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand serve" -l no-listen -d 'Run the workers only, without the HTTP receiver: they take jobs from the queue (config queue.backend; Redis for a worker host, or this host\'s SQLite queue)'
complete -c aida -n "__fish_aida_using_subcommand serve" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand serve" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand serve" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand list" -l status -d 'Only incidents in this state (webhook incidents: their job\'s; others: their latest investigation\'s)' -r -f -a "queued\t'Waiting for a webhook worker'
running\t'Being investigated now'
done\t'Investigated: the report is stored'
failed\t'Out of attempts (`aida retry ID` queues it again)'"
complete -c aida -n "__fish_aida_using_subcommand list" -l alertname -d 'Only this alert' -r
complete -c aida -n "__fish_aida_using_subcommand list" -l since -d 'Only incidents created since WHEN: an age (30m, 24h, 7d, 2w), a date (2026-11-24) or an RFC 3339 time' -r
complete -c aida -n "__fish_aida_using_subcommand list" -l limit -d 'At most N incidents' -r
complete -c aida -n "__fish_aida_using_subcommand list" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand list" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand list" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand list" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand list" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand show" -l format -d 'Output format' -r -f -a "markdown\t'The report as markdown, warnings first'
json\t'One JSON document (investigate: the {"reports": [...], "skipped": [...]} envelope; show: the report)'"
complete -c aida -n "__fish_aida_using_subcommand show" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand show" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand show" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand show" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand show" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand retry" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand retry" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand retry" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand retry" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand retry" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand retry" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand sync" -l timeout -d 'Seconds each MLflow request may take' -r
complete -c aida -n "__fish_aida_using_subcommand sync" -l format -d 'Output format of --status and --dry-run' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand sync" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand sync" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand sync" -l dry-run -d 'List what would be pushed; send nothing'
complete -c aida -n "__fish_aida_using_subcommand sync" -l status -d 'List the items not yet synced (pending, failing, parked) with their last error; send nothing'
complete -c aida -n "__fish_aida_using_subcommand sync" -l retry-parked -d 'Give parked items (those that failed too often) their attempts back, then sync'
complete -c aida -n "__fish_aida_using_subcommand sync" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand sync" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand sync" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand bundle; and not __fish_seen_subcommand_from check help" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand bundle; and not __fish_seen_subcommand_from check help" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand bundle; and not __fish_seen_subcommand_from check help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand bundle; and not __fish_seen_subcommand_from check help" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand bundle; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand bundle; and not __fish_seen_subcommand_from check help" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand bundle; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Validate an incident bundle and print the rule-based findings'
complete -c aida -n "__fish_aida_using_subcommand bundle; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from check" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from check" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from check" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate an incident bundle and print the rule-based findings'
complete -c aida -n "__fish_aida_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "show" -d 'Print every key, its value (secrets masked) and where it came from'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "path" -d 'Print the path of the configuration file in use'
complete -c aida -n "__fish_aida_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand config; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
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
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -f -a "list" -d 'List installed models and where each came from'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -f -a "pull" -d 'Download a model from the Hugging Face Hub into the models directory'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -f -a "info" -d 'Show a local model\'s architecture, tokenizer and load cost'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -f -a "tokenize" -d 'Print the token ids of a file (or - for stdin), BOS included'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -f -a "generate" -d 'Generate text from a prompt with the local model (streams to stdout)'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -f -a "perplexity" -d 'Perplexity of a file, scored as one sequence [BOS, t1..tN]'
complete -c aida -n "__fish_aida_using_subcommand model; and not __fish_seen_subcommand_from list pull info tokenize generate perplexity help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -l file -d 'File to fetch from the repo (repeatable) [default: the alias\'s files, else chosen from the repo listing]' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -l revision -d 'Branch, tag or commit' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -l name -d 'Directory name under the models directory [default: the alias, else the repo\'s name]' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -l quant -d 'Which GGUF to take when the repo has several (case-insensitive)' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from pull" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -l model -d 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -l adapter -d 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from info" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -l model -d 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -l adapter -d 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from tokenize" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l prompt -d 'The prompt text' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l prompt-file -d 'Read the prompt from a file (- for stdin)' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l max-tokens -d 'Most tokens to generate' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l temperature -d 'Sampling temperature; 0 = greedy' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l top-p -d 'Nucleus sampling: keep the smallest set of tokens with this much probability' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l top-k -d 'Keep only the K most likely tokens (0 = all)' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l repeat-penalty -d 'Penalise tokens seen in the last 64 (1.0 = off)' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l seed -d 'Random seed for sampling: the same seed, prompt and settings give the same text' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l stop -d 'Stop when the text contains this string (repeatable)' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l model -d 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l adapter -d 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -l chat -d 'Wrap the prompt in Gemma\'s chat turn template'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from generate" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -l ctx -d 'Longest sequence accepted, in tokens (BOS included)' -r
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -l model -d 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -l adapter -d 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from perplexity" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "list" -d 'List installed models and where each came from'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "pull" -d 'Download a model from the Hugging Face Hub into the models directory'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "info" -d 'Show a local model\'s architecture, tokenizer and load cost'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "tokenize" -d 'Print the token ids of a file (or - for stdin), BOS included'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Generate text from a prompt with the local model (streams to stdout)'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "perplexity" -d 'Perplexity of a file, scored as one sequence [BOS, t1..tN]'
complete -c aida -n "__fish_aida_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand ingest" -l runbooks -d 'Runbook directory (repeatable), ingested beside the runbooks built into this binary [default: knowledge.runbook_dirs]' -r -F
complete -c aida -n "__fish_aida_using_subcommand ingest" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand ingest" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand ingest" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand ingest" -l no-builtin -d 'Leave out the runbooks built into this binary (knowledge.builtin_runbooks = false does it always)'
complete -c aida -n "__fish_aida_using_subcommand ingest" -l rebuild -d 'Embed everything again instead of reusing unchanged files (searches keep using the current index until the new one is complete)'
complete -c aida -n "__fish_aida_using_subcommand ingest" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand ingest" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand ingest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand ingest" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand search" -l alert -d 'Build the query from an alert: Alertmanager payload or single alert JSON (`-` = stdin)' -r -F
complete -c aida -n "__fish_aida_using_subcommand search" -l top-k -d 'Number of runbooks to return [default: knowledge.top_k]' -r
complete -c aida -n "__fish_aida_using_subcommand search" -l mode -d 'How to rank the runbook sections' -r -f -a "hybrid\t'BM25 and vectors fused (reciprocal rank fusion) plus an exact alert-name boost'
bm25\t'tantivy BM25 only'
vector\t'MiniLM cosine similarity only'"
complete -c aida -n "__fish_aida_using_subcommand search" -l format -d 'Output format' -r -f -a "text\t'Human-readable text'
json\t'One JSON document'"
complete -c aida -n "__fish_aida_using_subcommand search" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand search" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand search" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand search" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand search" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand review" -l source -d 'Where the investigations come from and the verdicts go' -r -f -a "local\t'The store of $AIDA_HOME'
mlflow\t'The MLflow server of mlflow.tracking_uri (investigations of every host)'"
complete -c aida -n "__fish_aida_using_subcommand review" -l reviewer -d 'Who reviews [default: config review.reviewer, else $USER]' -r
complete -c aida -n "__fish_aida_using_subcommand review" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand review" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand review" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand review" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand review" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aida -n "__fish_aida_using_subcommand review" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand feedback" -l correct -d 'The conclusion corrected, in the answer format (`--print-answer`); `-` reads stdin' -r -F
complete -c aida -n "__fish_aida_using_subcommand feedback" -l reject -d 'The conclusion is wrong, and why' -r
complete -c aida -n "__fish_aida_using_subcommand feedback" -l reviewer -d 'Who reviews [default: config review.reviewer, else $USER]' -r
complete -c aida -n "__fish_aida_using_subcommand feedback" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand feedback" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand feedback" -l approve -d 'The conclusion is right'
complete -c aida -n "__fish_aida_using_subcommand feedback" -l print-answer -d 'Print the conclusion in the answer format a correction edits, and store nothing'
complete -c aida -n "__fish_aida_using_subcommand feedback" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand feedback" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand feedback" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand feedback" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand completions" -l config -d 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]' -r -F
complete -c aida -n "__fish_aida_using_subcommand completions" -l home -d 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]' -r -F
complete -c aida -n "__fish_aida_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
complete -c aida -n "__fish_aida_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c aida -n "__fish_aida_using_subcommand completions" -s h -l help -d 'Print help'
complete -c aida -n "__fish_aida_using_subcommand completions" -s V -l version -d 'Print version'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "investigate" -d 'Investigate an alert and print the root-cause report'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "eval" -d 'Run every incident bundle in a directory and score the reports against expected.json'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "serve-webhook" -d 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "list" -d 'List stored incidents, newest first, with their status, category and review'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "show" -d 'Print the stored report of an incident (as `aida investigate` printed it)'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "retry" -d 'Queue a failed webhook investigation again'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "sync" -d 'Push the runs, traces and reviews not yet in MLflow (and show what is pending)'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "bundle" -d 'Inspect incident bundles (validate one and print the analyzers\' findings)'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "config" -d 'Show the effective configuration and where each value came from'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "model" -d 'Manage and inspect local models'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "ingest" -d 'Parse, chunk, index and embed runbooks into the knowledge base'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "search" -d 'Search the runbooks with text or an alert file'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "review" -d 'Review stored investigations in a terminal console: approve, correct or reject each'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "feedback" -d 'Record a review without the console: approve, correct from a file, or reject'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c aida -n "__fish_aida_using_subcommand help; and not __fish_seen_subcommand_from investigate eval serve-webhook list show retry sync bundle config model ingest search review feedback completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from bundle" -f -a "check" -d 'Validate an incident bundle and print the rule-based findings'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every key, its value (secrets masked) and where it came from'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the path of the configuration file in use'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "list" -d 'List installed models and where each came from'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "pull" -d 'Download a model from the Hugging Face Hub into the models directory'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "info" -d 'Show a local model\'s architecture, tokenizer and load cost'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "tokenize" -d 'Print the token ids of a file (or - for stdin), BOS included'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "generate" -d 'Generate text from a prompt with the local model (streams to stdout)'
complete -c aida -n "__fish_aida_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "perplexity" -d 'Perplexity of a file, scored as one sequence [BOS, t1..tN]'
