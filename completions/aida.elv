
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
            cand investigate 'Investigate an alert and print the root-cause report'
            cand eval 'Run every incident bundle in a directory and score the reports against expected.json'
            cand serve-webhook 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool'
            cand serve 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool'
            cand list 'List stored incidents, newest first, with their status, category and review'
            cand show 'Print the stored report of an incident (as `aida investigate` printed it)'
            cand retry 'Queue a failed webhook investigation again'
            cand sync 'Push the runs, traces and reviews not yet in MLflow (and show what is pending)'
            cand bundle 'Inspect incident bundles (validate one and print the analyzers'' findings)'
            cand config 'Show the effective configuration and where each value came from'
            cand model 'Manage and inspect local models'
            cand ingest 'Parse, chunk, index and embed runbooks into the knowledge base'
            cand search 'Search the runbooks with text or an alert file'
            cand review 'Review stored investigations in a terminal console: approve, correct or reject each'
            cand feedback 'Record a review without the console: approve, correct from a file, or reject'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;investigate'= {
            cand --alertname 'Build the alert from a name instead of a file'
            cand --label 'Alert label (repeatable), with --alertname'
            cand --bundle 'Replay a recorded incident bundle instead of the live cluster (its alert.json is used when no alert is given)'
            cand --record 'Record everything the tools see into a new bundle directory (live runs)'
            cand --llm 'Who writes the conclusion [default: config llm.backend]'
            cand --adapter 'LoRA adapter directory (PEFT layout) for the local model'
            cand --format 'Output format'
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
        &'aida;eval'= {
            cand --llm 'Who writes the conclusion [default: config llm.backend]'
            cand --adapter 'LoRA adapter directory (PEFT layout) for the local model'
            cand --format 'Output format: a table, or the summary and every case with its report'
            cand --min-accuracy 'Exit 1 when category accuracy is below this (0..1)'
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
        &'aida;serve-webhook'= {
            cand --listen 'Address to listen on, HOST:PORT; port 0 takes a free one (the `listening` log line names it) [default: config server.listen]'
            cand --workers 'Investigations run at once, sharing one loaded model; 0 only receives (another server on the same store or Redis stream investigates) [default: config server.workers]'
            cand --bundle 'Replay this incident bundle as every alert''s evidence instead of the live cluster (demo and test mode)'
            cand --llm 'Who writes the conclusion [default: config llm.backend]'
            cand --adapter 'LoRA adapter directory (PEFT layout) for the local model'
            cand --shutdown-timeout 'Seconds a shutdown (SIGTERM, Ctrl-C) waits for running investigations before returning their jobs to the queue'
            cand --retry-backoff-ms 'Delay before the first retry of a failed attempt in milliseconds (each further retry waits 4x longer)'
            cand --lease-ms 'How long a job''s claim lasts without a heartbeat before another worker may take it, in milliseconds'
            cand --mlflow-sync-interval-ms 'How often the MLflow outbox is drained, in milliseconds (when MLflow is configured)'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand --no-listen 'Run the workers only, without the HTTP receiver: they take jobs from the queue (config queue.backend; Redis for a worker host, or this host''s SQLite queue)'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;serve'= {
            cand --listen 'Address to listen on, HOST:PORT; port 0 takes a free one (the `listening` log line names it) [default: config server.listen]'
            cand --workers 'Investigations run at once, sharing one loaded model; 0 only receives (another server on the same store or Redis stream investigates) [default: config server.workers]'
            cand --bundle 'Replay this incident bundle as every alert''s evidence instead of the live cluster (demo and test mode)'
            cand --llm 'Who writes the conclusion [default: config llm.backend]'
            cand --adapter 'LoRA adapter directory (PEFT layout) for the local model'
            cand --shutdown-timeout 'Seconds a shutdown (SIGTERM, Ctrl-C) waits for running investigations before returning their jobs to the queue'
            cand --retry-backoff-ms 'Delay before the first retry of a failed attempt in milliseconds (each further retry waits 4x longer)'
            cand --lease-ms 'How long a job''s claim lasts without a heartbeat before another worker may take it, in milliseconds'
            cand --mlflow-sync-interval-ms 'How often the MLflow outbox is drained, in milliseconds (when MLflow is configured)'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand --no-listen 'Run the workers only, without the HTTP receiver: they take jobs from the queue (config queue.backend; Redis for a worker host, or this host''s SQLite queue)'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;list'= {
            cand --status 'Only incidents in this state (webhook incidents: their job''s; others: their latest investigation''s)'
            cand --alertname 'Only this alert'
            cand --since 'Only incidents created since WHEN: an age (30m, 24h, 7d, 2w), a date (2026-11-24) or an RFC 3339 time'
            cand --limit 'At most N incidents'
            cand --format 'Output format'
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
        &'aida;show'= {
            cand --format 'Output format'
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
        &'aida;retry'= {
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
        &'aida;sync'= {
            cand --timeout 'Seconds each MLflow request may take'
            cand --format 'Output format of --status and --dry-run'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand --dry-run 'List what would be pushed; send nothing'
            cand --status 'List the items not yet synced (pending, failing, parked) with their last error; send nothing'
            cand --retry-parked 'Give parked items (those that failed too often) their attempts back, then sync'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;bundle'= {
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
            cand check 'Validate an incident bundle and print the rule-based findings'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;bundle;check'= {
            cand --format 'Output format'
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
        &'aida;bundle;help'= {
            cand check 'Validate an incident bundle and print the rule-based findings'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;bundle;help;check'= {
        }
        &'aida;bundle;help;help'= {
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
            cand --format 'Output format'
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
            cand pull 'Download a model from the Hugging Face Hub into the models directory'
            cand info 'Show a local model''s architecture, tokenizer and load cost'
            cand tokenize 'Print the token ids of a file (or - for stdin), BOS included'
            cand generate 'Generate text from a prompt with the local model (streams to stdout)'
            cand perplexity 'Perplexity of a file, scored as one sequence [BOS, t1..tN]'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;model;list'= {
            cand --format 'Output format'
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
        &'aida;model;pull'= {
            cand --file 'File to fetch from the repo (repeatable) [default: the alias''s files, else chosen from the repo listing]'
            cand --revision 'Branch, tag or commit'
            cand --name 'Directory name under the models directory [default: the alias, else the repo''s name]'
            cand --quant 'Which GGUF to take when the repo has several (case-insensitive)'
            cand --format 'Output format'
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
        &'aida;model;info'= {
            cand --model 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]'
            cand --adapter 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]'
            cand --format 'Output format'
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
        &'aida;model;tokenize'= {
            cand --model 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]'
            cand --adapter 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]'
            cand --format 'Output format'
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
        &'aida;model;generate'= {
            cand --prompt 'The prompt text'
            cand --prompt-file 'Read the prompt from a file (- for stdin)'
            cand --max-tokens 'Most tokens to generate'
            cand --temperature 'Sampling temperature; 0 = greedy'
            cand --top-p 'Nucleus sampling: keep the smallest set of tokens with this much probability'
            cand --top-k 'Keep only the K most likely tokens (0 = all)'
            cand --repeat-penalty 'Penalise tokens seen in the last 64 (1.0 = off)'
            cand --seed 'Random seed for sampling: the same seed, prompt and settings give the same text'
            cand --stop 'Stop when the text contains this string (repeatable)'
            cand --model 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]'
            cand --adapter 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]'
            cand --format 'Output format'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand --chat 'Wrap the prompt in Gemma''s chat turn template'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'aida;model;perplexity'= {
            cand --ctx 'Longest sequence accepted, in tokens (BOS included)'
            cand --model 'GGUF model file [default: llm.local.model, else the installed Gemma 3 270M]'
            cand --adapter 'LoRA adapter directory in PEFT layout [default: llm.local.adapter]'
            cand --format 'Output format'
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
            cand pull 'Download a model from the Hugging Face Hub into the models directory'
            cand info 'Show a local model''s architecture, tokenizer and load cost'
            cand tokenize 'Print the token ids of a file (or - for stdin), BOS included'
            cand generate 'Generate text from a prompt with the local model (streams to stdout)'
            cand perplexity 'Perplexity of a file, scored as one sequence [BOS, t1..tN]'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;model;help;list'= {
        }
        &'aida;model;help;pull'= {
        }
        &'aida;model;help;info'= {
        }
        &'aida;model;help;tokenize'= {
        }
        &'aida;model;help;generate'= {
        }
        &'aida;model;help;perplexity'= {
        }
        &'aida;model;help;help'= {
        }
        &'aida;ingest'= {
            cand --runbooks 'Runbook directory (repeatable), ingested beside the runbooks built into this binary [default: knowledge.runbook_dirs]'
            cand --format 'Output format'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand --no-builtin 'Leave out the runbooks built into this binary (knowledge.builtin_runbooks = false does it always)'
            cand --rebuild 'Embed everything again instead of reusing unchanged files (searches keep using the current index until the new one is complete)'
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
            cand --mode 'How to rank the runbook sections'
            cand --format 'Output format'
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
        &'aida;review'= {
            cand --source 'Where the investigations come from and the verdicts go'
            cand --reviewer 'Who reviews [default: config review.reviewer, else $USER]'
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
        &'aida;feedback'= {
            cand --correct 'The conclusion corrected, in the answer format (`--print-answer`); `-` reads stdin'
            cand --reject 'The conclusion is wrong, and why'
            cand --reviewer 'Who reviews [default: config review.reviewer, else $USER]'
            cand --config 'Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]'
            cand --home 'Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]'
            cand --approve 'The conclusion is right'
            cand --print-answer 'Print the conclusion in the answer format a correction edits, and store nothing'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
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
            cand investigate 'Investigate an alert and print the root-cause report'
            cand eval 'Run every incident bundle in a directory and score the reports against expected.json'
            cand serve-webhook 'Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool'
            cand list 'List stored incidents, newest first, with their status, category and review'
            cand show 'Print the stored report of an incident (as `aida investigate` printed it)'
            cand retry 'Queue a failed webhook investigation again'
            cand sync 'Push the runs, traces and reviews not yet in MLflow (and show what is pending)'
            cand bundle 'Inspect incident bundles (validate one and print the analyzers'' findings)'
            cand config 'Show the effective configuration and where each value came from'
            cand model 'Manage and inspect local models'
            cand ingest 'Parse, chunk, index and embed runbooks into the knowledge base'
            cand search 'Search the runbooks with text or an alert file'
            cand review 'Review stored investigations in a terminal console: approve, correct or reject each'
            cand feedback 'Record a review without the console: approve, correct from a file, or reject'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'aida;help;investigate'= {
        }
        &'aida;help;eval'= {
        }
        &'aida;help;serve-webhook'= {
        }
        &'aida;help;list'= {
        }
        &'aida;help;show'= {
        }
        &'aida;help;retry'= {
        }
        &'aida;help;sync'= {
        }
        &'aida;help;bundle'= {
            cand check 'Validate an incident bundle and print the rule-based findings'
        }
        &'aida;help;bundle;check'= {
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
            cand pull 'Download a model from the Hugging Face Hub into the models directory'
            cand info 'Show a local model''s architecture, tokenizer and load cost'
            cand tokenize 'Print the token ids of a file (or - for stdin), BOS included'
            cand generate 'Generate text from a prompt with the local model (streams to stdout)'
            cand perplexity 'Perplexity of a file, scored as one sequence [BOS, t1..tN]'
        }
        &'aida;help;model;list'= {
        }
        &'aida;help;model;pull'= {
        }
        &'aida;help;model;info'= {
        }
        &'aida;help;model;tokenize'= {
        }
        &'aida;help;model;generate'= {
        }
        &'aida;help;model;perplexity'= {
        }
        &'aida;help;ingest'= {
        }
        &'aida;help;search'= {
        }
        &'aida;help;review'= {
        }
        &'aida;help;feedback'= {
        }
        &'aida;help;completions'= {
        }
        &'aida;help;help'= {
        }
    ]
    $completions[$command]
}
