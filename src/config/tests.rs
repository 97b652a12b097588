use super::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn defaults_without_file_or_env() {
    let home = tempfile::tempdir().unwrap();
    let loaded = Config::load_with(&Home::at(home.path()), None, &env(&[])).unwrap();
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.file.is_none());
    assert_eq!(loaded.origin("llm.backend"), Origin::Default);
}

#[test]
fn precedence_default_file_env() {
    let home = tempfile::tempdir().unwrap();
    write(
        home.path(),
        "aida.toml",
        "[llm.openai]\nmodel = \"from-file\"\nbase_url = \"http://file\"\n[server]\nworkers = 3\n",
    );
    let loaded = Config::load_with(
        &Home::at(home.path()),
        None,
        &env(&[
            ("AIDA_LLM_OPENAI_MODEL", "from-env"),
            ("OPENAI_BASE_URL", "http://legacy"),
        ]),
    )
    .unwrap();
    let c = &loaded.config;
    assert_eq!(c.llm.openai.model, "from-env", "env beats file");
    assert_eq!(
        c.llm.openai.base_url, "http://legacy",
        "legacy env beats file"
    );
    assert_eq!(c.server.workers, 3, "file beats default");
    assert_eq!(c.server.listen, ServerConfig::default().listen);
    assert_eq!(
        loaded.origin("llm.openai.model"),
        Origin::Env("AIDA_LLM_OPENAI_MODEL".into())
    );
    assert!(matches!(loaded.origin("server.workers"), Origin::File(_)));
}

#[test]
fn aida_env_beats_legacy_env() {
    let home = tempfile::tempdir().unwrap();
    let loaded = Config::load_with(
        &Home::at(home.path()),
        None,
        &env(&[
            ("MLFLOW_TRACKING_URI", "http://legacy:5000"),
            ("AIDA_MLFLOW_TRACKING_URI", "http://new:5000"),
            ("OPENAI_API_KEY", "sk-legacy"),
            ("HF_TOKEN", "hf_x"),
        ]),
    )
    .unwrap();
    assert_eq!(
        loaded.config.mlflow.tracking_uri.as_deref(),
        Some("http://new:5000")
    );
    assert_eq!(
        loaded.config.llm.openai.api_key.as_deref(),
        Some("sk-legacy")
    );
    assert_eq!(loaded.config.huggingface.token.as_deref(), Some("hf_x"));
}

#[test]
fn use_local_model_maps_to_backend() {
    let home = tempfile::tempdir().unwrap();
    let h = Home::at(home.path());
    let off = Config::load_with(&h, None, &env(&[("USE_LOCAL_MODEL", "false")])).unwrap();
    assert_eq!(off.config.llm.backend, LlmBackendKind::Openai);
    let on = Config::load_with(&h, None, &env(&[("USE_LOCAL_MODEL", "True")])).unwrap();
    assert_eq!(on.config.llm.backend, LlmBackendKind::Local);
    let err = Config::load_with(&h, None, &env(&[("USE_LOCAL_MODEL", "maybe")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable USE_LOCAL_MODEL=\"maybe\": expected true or false"
    );
    // The AIDA_ name wins over the legacy one.
    let both = Config::load_with(
        &h,
        None,
        &env(&[("USE_LOCAL_MODEL", "true"), ("AIDA_LLM_BACKEND", "none")]),
    )
    .unwrap();
    assert_eq!(both.config.llm.backend, LlmBackendKind::None);
}

#[test]
fn explicit_file_beats_aida_config_env() {
    let home = tempfile::tempdir().unwrap();
    let a = write(home.path(), "a.toml", "[knowledge]\ntop_k = 7\n");
    let b = write(home.path(), "b.toml", "[knowledge]\ntop_k = 9\n");
    let h = Home::at(home.path());
    let e = env(&[("AIDA_CONFIG", b.to_str().unwrap())]);
    assert_eq!(
        Config::load_with(&h, Some(&a), &e)
            .unwrap()
            .config
            .knowledge
            .top_k,
        7
    );
    assert_eq!(
        Config::load_with(&h, None, &e)
            .unwrap()
            .config
            .knowledge
            .top_k,
        9
    );
}

#[test]
fn relative_paths_in_file_resolve_against_its_directory() {
    let home = tempfile::tempdir().unwrap();
    let path = write(
        home.path(),
        "aida.toml",
        "models_dir = \"m\"\n[knowledge]\nrunbook_dirs = [\"rb\", \"/abs\"]\n",
    );
    let loaded = Config::load_with(&Home::at(home.path()), Some(&path), &env(&[])).unwrap();
    assert_eq!(loaded.config.models_dir, Some(home.path().join("m")));
    assert_eq!(
        loaded.config.knowledge.runbook_dirs,
        vec![home.path().join("rb"), PathBuf::from("/abs")]
    );
}

#[test]
fn env_path_list_splits_like_path() {
    let home = tempfile::tempdir().unwrap();
    let loaded = Config::load_with(
        &Home::at(home.path()),
        None,
        &env(&[("AIDA_KNOWLEDGE_RUNBOOK_DIRS", "/a:/b")]),
    )
    .unwrap();
    assert_eq!(
        loaded.config.knowledge.runbook_dirs,
        vec![PathBuf::from("/a"), PathBuf::from("/b")]
    );
}

#[test]
fn token_file_is_read_and_env_overrides_it() {
    let home = tempfile::tempdir().unwrap();
    write(home.path(), "huggingface_token.txt", "hf_file\n");
    let h = Home::at(home.path());
    let from_file = Config::load_with(&h, None, &env(&[])).unwrap();
    assert_eq!(
        from_file.config.huggingface.token.as_deref(),
        Some("hf_file")
    );
    let from_env = Config::load_with(&h, None, &env(&[("HF_TOKEN", "hf_env")])).unwrap();
    assert_eq!(from_env.config.huggingface.token.as_deref(), Some("hf_env"));
}

// The messages below are what users see; they are pinned on purpose.

#[test]
fn unknown_key_names_file_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    let path = write(
        home.path(),
        "aida.toml",
        "[llm]\nbackend = \"local\"\n\n[llm.openai]\nmodle = \"x\"\n",
    );
    let err = Config::load_with(&Home::at(home.path()), Some(&path), &env(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "config file {}, line 5, column 1, key `llm.openai.modle`: unknown field `modle`, expected one of `base_url`, `model`, `api_key`, `timeout_secs`, `max_retries`",
            path.display()
        )
    );
}

#[test]
fn wrong_type_names_file_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    let path = write(home.path(), "aida.toml", "[server]\nworkers = \"two\"\n");
    let err = Config::load_with(&Home::at(home.path()), Some(&path), &env(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "config file {}, line 2, column 11, key `server.workers`: invalid type: string \"two\", expected usize",
            path.display()
        )
    );
}

#[test]
fn bad_enum_value_lists_choices() {
    let home = tempfile::tempdir().unwrap();
    let path = write(home.path(), "aida.toml", "[llm]\nbackend = \"gpt\"\n");
    let err = Config::load_with(&Home::at(home.path()), Some(&path), &env(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "config file {}, line 2, column 11, key `llm.backend`: unknown variant `gpt`, expected one of `local`, `openai`, `none`",
            path.display()
        )
    );
}

#[test]
fn toml_syntax_error_names_line() {
    let home = tempfile::tempdir().unwrap();
    let path = write(
        home.path(),
        "aida.toml",
        "[server]\nlisten = 127.0.0.1:80\n",
    );
    let err = Config::load_with(&Home::at(home.path()), Some(&path), &env(&[])).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("config file {}, line 2, column ", path.display())),
        "{text}"
    );
}

#[test]
fn missing_explicit_file_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("nope.toml");
    let err = Config::load_with(&Home::at(home.path()), Some(&path), &env(&[])).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read config file {}: ", path.display())),
        "{err}"
    );
}

#[test]
fn bad_env_value_names_variable() {
    let home = tempfile::tempdir().unwrap();
    let err = Config::load_with(
        &Home::at(home.path()),
        None,
        &env(&[("AIDA_SERVER_WORKERS", "lots")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable AIDA_SERVER_WORKERS=\"lots\": invalid type: string \"lots\", expected usize"
    );
}

#[test]
fn secret_env_values_are_not_echoed_in_errors() {
    let home = tempfile::tempdir().unwrap();
    // A token is a string, so it cannot be "wrong"; check masking through display instead.
    let loaded = Config::load_with(
        &Home::at(home.path()),
        None,
        &env(&[("AIDA_SERVER_TOKEN", "s3cr3t")]),
    )
    .unwrap();
    let shown = flatten_for_display(&loaded.config);
    let token = shown
        .iter()
        .find(|(k, _)| k.path == "server.token")
        .unwrap();
    assert_eq!(token.1.as_deref(), Some("********"));
    assert!(!format!("{shown:?}").contains("s3cr3t"));
}

#[test]
fn key_registry_covers_every_field() {
    // Serialize a config with every Option set; every leaf must be a registered key and back.
    let mut c = Config {
        models_dir: Some("x".into()),
        ..Default::default()
    };
    c.llm.local.model = Some("x".into());
    c.llm.local.adapter = Some("x".into());
    c.llm.openai.api_key = Some("x".into());
    c.knowledge.embedding_model = Some("x".into());
    c.kubernetes.kubeconfig = Some("x".into());
    c.kubernetes.context = Some("x".into());
    c.kubernetes.namespace = Some("x".into());
    c.prometheus.url = Some("x".into());
    c.prometheus.bearer_token = Some("x".into());
    c.prometheus.username = Some("x".into());
    c.prometheus.password = Some("x".into());
    c.mlflow.tracking_uri = Some("x".into());
    c.mlflow.token = Some("x".into());
    c.server.token = Some("x".into());
    c.queue.redis_url = Some("x".into());
    c.review.reviewer = Some("x".into());
    c.huggingface.token = Some("x".into());
    let table = to_table(&c);
    let mut leaves = Vec::new();
    fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(inner) => walk(&path, inner, out),
                _ => out.push(path),
            }
        }
    }
    walk("", &table, &mut leaves);
    leaves.sort();
    let mut keys: Vec<String> = KEYS.iter().map(|k| k.path.to_string()).collect();
    keys.sort();
    assert_eq!(leaves, keys);
}

#[test]
fn example_file_documents_every_key_and_parses() {
    let text = include_str!("../../aida.example.toml");
    // Every key appears commented out as `# key = value` in its section; uncomment and parse.
    let uncommented: String = text
        .lines()
        .map(|l| {
            let t = l.trim_start();
            let is_key = |rest: &str| {
                rest.split_once(" = ").is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                })
            };
            match t.strip_prefix("# ") {
                Some(rest) if is_key(rest) => rest.to_string(),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let home = tempfile::tempdir().unwrap();
    let path = write(home.path(), "aida.toml", &uncommented);
    let loaded = Config::load_with(&Home::at(home.path()), Some(&path), &env(&[])).unwrap();
    for key in KEYS {
        assert!(
            matches!(loaded.origin(key.path), Origin::File(_)),
            "aida.example.toml does not document `{}`",
            key.path
        );
    }
}

#[test]
fn bounded_numbers_are_refused_naming_the_key_and_where_it_was_set() {
    let home = tempfile::tempdir().unwrap();
    let err = Config::load_with(
        &Home::at(home.path()),
        None,
        &env(&[("AIDA_LLM_LOCAL_THREADS", "100000")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable AIDA_LLM_LOCAL_THREADS: llm.local.threads = 100000 is out of range (expected 0 to 256)"
    );
    let file = write(home.path(), "aida.toml", "[knowledge]\ntop_k = 0\n");
    let err = Config::load_with(&Home::at(home.path()), None, &env(&[])).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert!(
        text.contains("knowledge.top_k = 0 is out of range (expected 1 to 10)"),
        "{text}"
    );
    // Every bounded default is within its own bounds.
    std::fs::remove_file(file).unwrap();
    Config::load_with(&Home::at(home.path()), None, &env(&[])).unwrap();
}

#[test]
fn builtin_runbooks_is_a_checked_boolean_in_file_and_env() {
    let home = tempfile::tempdir().unwrap();
    let h = Home::at(home.path());
    assert!(Config::default().knowledge.builtin_runbooks);
    let path = write(
        home.path(),
        "aida.toml",
        "[knowledge]\nbuiltin_runbooks = false\n",
    );
    let loaded = Config::load_with(&h, Some(&path), &env(&[])).unwrap();
    assert!(!loaded.config.knowledge.builtin_runbooks);
    // The environment beats the file; the usual spellings of a switch are accepted.
    for (value, expected) in [("1", true), ("yes", true), ("off", false), ("true", true)] {
        let loaded = Config::load_with(
            &h,
            Some(&path),
            &env(&[("AIDA_KNOWLEDGE_BUILTIN_RUNBOOKS", value)]),
        )
        .unwrap();
        assert_eq!(
            loaded.config.knowledge.builtin_runbooks, expected,
            "{value}"
        );
    }
    let err = Config::load_with(
        &h,
        None,
        &env(&[("AIDA_KNOWLEDGE_BUILTIN_RUNBOOKS", "maybe")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable AIDA_KNOWLEDGE_BUILTIN_RUNBOOKS=\"maybe\": invalid type: string \"maybe\", expected a boolean"
    );
    let path = write(
        home.path(),
        "aida.toml",
        "[knowledge]\nbuiltin_runbooks = \"no\"\n",
    );
    let err = Config::load_with(&h, Some(&path), &env(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "config file {}, line 2, column 20, key `knowledge.builtin_runbooks`: invalid type: string \"no\", expected a boolean",
            path.display()
        )
    );
}
