
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'aida' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'aida'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'aida' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('investigate', 'investigate', [CompletionResultType]::ParameterValue, 'Investigate an alert and print the root-cause report')
            [CompletionResult]::new('eval', 'eval', [CompletionResultType]::ParameterValue, 'Run every incident bundle in a directory and score the reports against expected.json')
            [CompletionResult]::new('serve-webhook', 'serve-webhook', [CompletionResultType]::ParameterValue, 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stored incidents, newest first, with their status, category and review')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the stored report of an incident (as `aida investigate` printed it)')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Queue a failed webhook investigation again')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Push the runs, traces and reviews not yet in MLflow (and show what is pending)')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'Inspect incident bundles (validate one and print the analyzers'' findings)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective configuration and where each value came from')
            [CompletionResult]::new('model', 'model', [CompletionResultType]::ParameterValue, 'Manage and inspect local models')
            [CompletionResult]::new('ingest', 'ingest', [CompletionResultType]::ParameterValue, 'Parse, chunk, index and embed runbooks into the knowledge base')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search the runbooks with text or an alert file')
            [CompletionResult]::new('review', 'review', [CompletionResultType]::ParameterValue, 'Review stored investigations in a terminal console: approve, correct or reject each')
            [CompletionResult]::new('feedback', 'feedback', [CompletionResultType]::ParameterValue, 'Record a review without the console: approve, correct from a file, or reject')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'aida;investigate' {
            [CompletionResult]::new('--alertname', '--alertname', [CompletionResultType]::ParameterName, 'Build the alert from a name instead of a file')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Alert label (repeatable), with --alertname')
            [CompletionResult]::new('--bundle', '--bundle', [CompletionResultType]::ParameterName, 'Replay a recorded incident bundle instead of the live cluster (its alert.json is used when no alert is given)')
            [CompletionResult]::new('--record', '--record', [CompletionResultType]::ParameterName, 'Record everything the tools see into a new bundle directory (live runs)')
            [CompletionResult]::new('--llm', '--llm', [CompletionResultType]::ParameterName, 'Who writes the conclusion [default: config llm.backend]')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'LoRA adapter directory (PEFT layout) for the local model')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;eval' {
            [CompletionResult]::new('--llm', '--llm', [CompletionResultType]::ParameterName, 'Who writes the conclusion [default: config llm.backend]')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'LoRA adapter directory (PEFT layout) for the local model')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table, or the summary and every case with its report')
            [CompletionResult]::new('--min-accuracy', '--min-accuracy', [CompletionResultType]::ParameterName, 'Exit 1 when category accuracy is below this (0..1)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;serve-webhook' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on, HOST:PORT; port 0 takes a free one (the `listening` log line names it) [default: config server.listen]')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Investigations run at once, sharing one loaded model; 0 only receives (another server on the same store or Redis stream investigates) [default: config server.workers]')
            [CompletionResult]::new('--bundle', '--bundle', [CompletionResultType]::ParameterName, 'Replay this incident bundle as every alert''s evidence instead of the live cluster (demo and test mode)')
            [CompletionResult]::new('--llm', '--llm', [CompletionResultType]::ParameterName, 'Who writes the conclusion [default: config llm.backend]')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'LoRA adapter directory (PEFT layout) for the local model')
            [CompletionResult]::new('--shutdown-timeout', '--shutdown-timeout', [CompletionResultType]::ParameterName, 'Seconds a shutdown (SIGTERM, Ctrl-C) waits for running investigations before returning their jobs to the queue')
            [CompletionResult]::new('--retry-backoff-ms', '--retry-backoff-ms', [CompletionResultType]::ParameterName, 'Delay before the first retry of a failed attempt in milliseconds (each further retry waits 4x longer)')
            [CompletionResult]::new('--lease-ms', '--lease-ms', [CompletionResultType]::ParameterName, 'How long a job''s claim lasts without a heartbeat before another worker may take it, in milliseconds')
            [CompletionResult]::new('--mlflow-sync-interval-ms', '--mlflow-sync-interval-ms', [CompletionResultType]::ParameterName, 'How often the MLflow outbox is drained, in milliseconds (when MLflow is configured)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('--no-listen', '--no-listen', [CompletionResultType]::ParameterName, 'Run the workers only, without the HTTP receiver: they take jobs from the queue (config queue.backend; Redis for a worker host, or this host''s SQLite queue)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on, HOST:PORT; port 0 takes a free one (the `listening` log line names it) [default: config server.listen]')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Investigations run at once, sharing one loaded model; 0 only receives (another server on the same store or Redis stream investigates) [default: config server.workers]')
            [CompletionResult]::new('--bundle', '--bundle', [CompletionResultType]::ParameterName, 'Replay this incident bundle as every alert''s evidence instead of the live cluster (demo and test mode)')
            [CompletionResult]::new('--llm', '--llm', [CompletionResultType]::ParameterName, 'Who writes the conclusion [default: config llm.backend]')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'LoRA adapter directory (PEFT layout) for the local model')
            [CompletionResult]::new('--shutdown-timeout', '--shutdown-timeout', [CompletionResultType]::ParameterName, 'Seconds a shutdown (SIGTERM, Ctrl-C) waits for running investigations before returning their jobs to the queue')
            [CompletionResult]::new('--retry-backoff-ms', '--retry-backoff-ms', [CompletionResultType]::ParameterName, 'Delay before the first retry of a failed attempt in milliseconds (each further retry waits 4x longer)')
            [CompletionResult]::new('--lease-ms', '--lease-ms', [CompletionResultType]::ParameterName, 'How long a job''s claim lasts without a heartbeat before another worker may take it, in milliseconds')
            [CompletionResult]::new('--mlflow-sync-interval-ms', '--mlflow-sync-interval-ms', [CompletionResultType]::ParameterName, 'How often the MLflow outbox is drained, in milliseconds (when MLflow is configured)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('--no-listen', '--no-listen', [CompletionResultType]::ParameterName, 'Run the workers only, without the HTTP receiver: they take jobs from the queue (config queue.backend; Redis for a worker host, or this host''s SQLite queue)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only incidents in this state (webhook incidents: their job''s; others: their latest investigation''s)')
            [CompletionResult]::new('--alertname', '--alertname', [CompletionResultType]::ParameterName, 'Only this alert')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only incidents created since WHEN: an age (30m, 24h, 7d, 2w), a date (2026-11-24) or an RFC 3339 time')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N incidents')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;retry' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;sync' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds each MLflow request may take')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of --status and --dry-run')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be pushed; send nothing')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'List the items not yet synced (pending, failing, parked) with their last error; send nothing')
            [CompletionResult]::new('--retry-parked', '--retry-parked', [CompletionResultType]::ParameterName, 'Give parked items (those that failed too often) their attempts back, then sync')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;bundle' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate an incident bundle and print the rule-based findings')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'aida;bundle;check' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;bundle;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate an incident bundle and print the rule-based findings')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'aida;bundle;help;check' {
            break
        }
        'aida;bundle;help;help' {
            break
        }
        'aida;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every key, its value (secrets masked) and where it came from')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the configuration file in use')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'aida;config;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;config;path' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every key, its value (secrets masked) and where it came from')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the configuration file in use')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'aida;config;help;show' {
            break
        }
        'aida;config;help;path' {
            break
        }
        'aida;config;help;help' {
            break
        }
        'aida;model' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List installed models and where each came from')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Download a model from the Hugging Face Hub into the models directory')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show a local model''s architecture, tokenizer and load cost')
            [CompletionResult]::new('tokenize', 'tokenize', [CompletionResultType]::ParameterValue, 'Print the token ids of a file (or - for stdin), BOS included')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate text from a prompt with the local model (streams to stdout)')
            [CompletionResult]::new('perplexity', 'perplexity', [CompletionResultType]::ParameterValue, 'Perplexity of a file, scored as one sequence [BOS, t1..tN]')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'aida;model;list' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;model;pull' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'File to fetch from the repo (repeatable) [default: the alias''s files, else chosen from the repo listing]')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Branch, tag or commit')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Directory name under the models directory [default: the alias, else the repo''s name]')
            [CompletionResult]::new('--quant', '--quant', [CompletionResultType]::ParameterName, 'Which GGUF to take when the repo has several (case-insensitive)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;model;info' {
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;model;tokenize' {
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;model;generate' {
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'The prompt text')
            [CompletionResult]::new('--prompt-file', '--prompt-file', [CompletionResultType]::ParameterName, 'Read the prompt from a file (- for stdin)')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens to generate')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature; 0 = greedy')
            [CompletionResult]::new('--top-p', '--top-p', [CompletionResultType]::ParameterName, 'Nucleus sampling: keep the smallest set of tokens with this much probability')
            [CompletionResult]::new('--top-k', '--top-k', [CompletionResultType]::ParameterName, 'Keep only the K most likely tokens (0 = all)')
            [CompletionResult]::new('--repeat-penalty', '--repeat-penalty', [CompletionResultType]::ParameterName, 'Penalise tokens seen in the last 64 (1.0 = off)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Random seed for sampling: the same seed, prompt and settings give the same text')
            [CompletionResult]::new('--stop', '--stop', [CompletionResultType]::ParameterName, 'Stop when the text contains this string (repeatable)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('--chat', '--chat', [CompletionResultType]::ParameterName, 'Wrap the prompt in Gemma''s chat turn template')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;model;perplexity' {
            [CompletionResult]::new('--ctx', '--ctx', [CompletionResultType]::ParameterName, 'Longest sequence accepted, in tokens (BOS included)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;model;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List installed models and where each came from')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Download a model from the Hugging Face Hub into the models directory')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show a local model''s architecture, tokenizer and load cost')
            [CompletionResult]::new('tokenize', 'tokenize', [CompletionResultType]::ParameterValue, 'Print the token ids of a file (or - for stdin), BOS included')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate text from a prompt with the local model (streams to stdout)')
            [CompletionResult]::new('perplexity', 'perplexity', [CompletionResultType]::ParameterValue, 'Perplexity of a file, scored as one sequence [BOS, t1..tN]')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'aida;model;help;list' {
            break
        }
        'aida;model;help;pull' {
            break
        }
        'aida;model;help;info' {
            break
        }
        'aida;model;help;tokenize' {
            break
        }
        'aida;model;help;generate' {
            break
        }
        'aida;model;help;perplexity' {
            break
        }
        'aida;model;help;help' {
            break
        }
        'aida;ingest' {
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'Runbook directory (repeatable), ingested beside the runbooks built into this binary [default: knowledge.runbook_dirs]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('--no-builtin', '--no-builtin', [CompletionResultType]::ParameterName, 'Leave out the runbooks built into this binary (knowledge.builtin_runbooks = false does it always)')
            [CompletionResult]::new('--rebuild', '--rebuild', [CompletionResultType]::ParameterName, 'Embed everything again instead of reusing unchanged files (searches keep using the current index until the new one is complete)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;search' {
            [CompletionResult]::new('--alert', '--alert', [CompletionResultType]::ParameterName, 'Build the query from an alert: Alertmanager payload or single alert JSON (`-` = stdin)')
            [CompletionResult]::new('--top-k', '--top-k', [CompletionResultType]::ParameterName, 'Number of runbooks to return [default: knowledge.top_k]')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'How to rank the runbook sections')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;review' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where the investigations come from and the verdicts go')
            [CompletionResult]::new('--reviewer', '--reviewer', [CompletionResultType]::ParameterName, 'Who reviews [default: config review.reviewer, else $USER]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;feedback' {
            [CompletionResult]::new('--correct', '--correct', [CompletionResultType]::ParameterName, 'The conclusion corrected, in the answer format (`--print-answer`); `-` reads stdin')
            [CompletionResult]::new('--reject', '--reject', [CompletionResultType]::ParameterName, 'The conclusion is wrong, and why')
            [CompletionResult]::new('--reviewer', '--reviewer', [CompletionResultType]::ParameterName, 'Who reviews [default: config review.reviewer, else $USER]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('--approve', '--approve', [CompletionResultType]::ParameterName, 'The conclusion is right')
            [CompletionResult]::new('--print-answer', '--print-answer', [CompletionResultType]::ParameterName, 'Print the conclusion in the answer format a correction edits, and store nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'aida;help' {
            [CompletionResult]::new('investigate', 'investigate', [CompletionResultType]::ParameterValue, 'Investigate an alert and print the root-cause report')
            [CompletionResult]::new('eval', 'eval', [CompletionResultType]::ParameterValue, 'Run every incident bundle in a directory and score the reports against expected.json')
            [CompletionResult]::new('serve-webhook', 'serve-webhook', [CompletionResultType]::ParameterValue, 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stored incidents, newest first, with their status, category and review')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the stored report of an incident (as `aida investigate` printed it)')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Queue a failed webhook investigation again')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Push the runs, traces and reviews not yet in MLflow (and show what is pending)')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'Inspect incident bundles (validate one and print the analyzers'' findings)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective configuration and where each value came from')
            [CompletionResult]::new('model', 'model', [CompletionResultType]::ParameterValue, 'Manage and inspect local models')
            [CompletionResult]::new('ingest', 'ingest', [CompletionResultType]::ParameterValue, 'Parse, chunk, index and embed runbooks into the knowledge base')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search the runbooks with text or an alert file')
            [CompletionResult]::new('review', 'review', [CompletionResultType]::ParameterValue, 'Review stored investigations in a terminal console: approve, correct or reject each')
            [CompletionResult]::new('feedback', 'feedback', [CompletionResultType]::ParameterValue, 'Record a review without the console: approve, correct from a file, or reject')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'aida;help;investigate' {
            break
        }
        'aida;help;eval' {
            break
        }
        'aida;help;serve-webhook' {
            break
        }
        'aida;help;list' {
            break
        }
        'aida;help;show' {
            break
        }
        'aida;help;retry' {
            break
        }
        'aida;help;sync' {
            break
        }
        'aida;help;bundle' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate an incident bundle and print the rule-based findings')
            break
        }
        'aida;help;bundle;check' {
            break
        }
        'aida;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every key, its value (secrets masked) and where it came from')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the configuration file in use')
            break
        }
        'aida;help;config;show' {
            break
        }
        'aida;help;config;path' {
            break
        }
        'aida;help;model' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List installed models and where each came from')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Download a model from the Hugging Face Hub into the models directory')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show a local model''s architecture, tokenizer and load cost')
            [CompletionResult]::new('tokenize', 'tokenize', [CompletionResultType]::ParameterValue, 'Print the token ids of a file (or - for stdin), BOS included')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate text from a prompt with the local model (streams to stdout)')
            [CompletionResult]::new('perplexity', 'perplexity', [CompletionResultType]::ParameterValue, 'Perplexity of a file, scored as one sequence [BOS, t1..tN]')
            break
        }
        'aida;help;model;list' {
            break
        }
        'aida;help;model;pull' {
            break
        }
        'aida;help;model;info' {
            break
        }
        'aida;help;model;tokenize' {
            break
        }
        'aida;help;model;generate' {
            break
        }
        'aida;help;model;perplexity' {
            break
        }
        'aida;help;ingest' {
            break
        }
        'aida;help;search' {
            break
        }
        'aida;help;review' {
            break
        }
        'aida;help;feedback' {
            break
        }
        'aida;help;completions' {
            break
        }
        'aida;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
