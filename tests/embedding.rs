//! The embedding encoder against candle-transformers' `BertModel`, on the real MiniLM.
mod common;

use aida::knowledge::Embedder;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};

/// One text at a time through candle-transformers (no padding, no mask), mean pooled and
/// normalised: the reference the packed encoder must reproduce.
fn reference(model: &BertModel, ids: &[u32]) -> Vec<f32> {
    let input = Tensor::new(ids, &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let types = input.zeros_like().unwrap();
    let hidden = model.forward(&input, &types, None).unwrap();
    let mean = hidden.mean(1).unwrap().squeeze(0).unwrap();
    let v = mean.to_vec1::<f32>().unwrap();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

#[test]
fn packed_encoder_matches_candle_bert() {
    let dir = common::models_dir().join("all-MiniLM-L6-v2");
    let embedder = Embedder::load(&dir).expect("load MiniLM");
    let config: Config =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    // SAFETY: read-only mapping of a file the test does not modify.
    let vb = unsafe {
        VarBuilder::from_mmaped_safetensors(
            &[dir.join("model.safetensors")],
            DType::F32,
            &Device::Cpu,
        )
    }
    .unwrap();
    let model = BertModel::load(vb, &config).unwrap();
    let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    // MiniLM's tokenizer.json pads to 128; the reference runs each text unpadded.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(tokenizers::TruncationParams {
            max_length: embedder.max_tokens(),
            ..Default::default()
        }))
        .unwrap();

    let long = "The kubelet killed the container because it exceeded its memory limit. ".repeat(40);
    let texts = [
        "KubePodCrashLooping: pod payments-api is restarting",
        "x",
        "",
        "Disk pressure on node worker-3; evicting pods with the lowest priority first.",
        long.as_str(),
        "CPUThrottlingHigh 87% throttling of container envoy in namespace ingress",
    ];
    // All texts in one packed pass, as ingest does.
    let packed = embedder.embed(&texts, |_| {}).expect("embed");
    assert_eq!(packed.len(), texts.len());
    for (text, got) in texts.iter().zip(&packed) {
        let ids = tokenizer.encode(*text, true).unwrap().get_ids().to_vec();
        assert!(ids.len() <= embedder.max_tokens());
        let want = reference(&model, &ids);
        assert_eq!(got.len(), 384);
        let max_diff = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        let cosine: f32 = got.iter().zip(&want).map(|(a, b)| a * b).sum();
        assert!(
            max_diff < 1e-4 && cosine > 0.99999,
            "{text:?}: max diff {max_diff}, cosine {cosine}"
        );
    }
    // A text embeds the same alone as packed with others.
    let alone = embedder.embed_one(texts[3]).unwrap();
    let diff = alone
        .iter()
        .zip(&packed[3])
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(diff < 1e-5, "alone vs packed: {diff}");
}

#[test]
fn query_embedding_stays_close_to_the_document_one() {
    let dir = common::models_dir().join("all-MiniLM-L6-v2");
    let embedder = Embedder::load(&dir).expect("load MiniLM");
    let queries = [
        "KubePodCrashLooping Pod payments/api-7d9 (container api) is in waiting state (reason: CrashLoopBackOff)",
        "node worker-2 NotReady: kubelet stopped posting node status",
        "TargetDown 100% of the node-exporter targets in monitoring namespace are down",
        "disk",
    ];
    for q in queries {
        let fast = embedder.embed_query(q).unwrap();
        let exact = embedder.embed_one(q).unwrap();
        let cosine: f32 = fast.iter().zip(&exact).map(|(a, b)| a * b).sum();
        let norm: f32 = fast.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "{q:?}: norm {norm}");
        // int8 on AVX-512 VNNI CPUs (measured 0.9987 at worst on the dev queries), f32 elsewhere.
        let floor = if embedder.int8_queries() {
            0.997
        } else {
            0.99999
        };
        assert!(cosine > floor, "{q:?}: cosine to f32 {cosine}");
    }
}

#[test]
fn a_config_that_does_not_match_the_weights_is_a_clear_error() {
    let real = common::models_dir().join("all-MiniLM-L6-v2");
    let dir = tempfile::tempdir().unwrap();
    for f in ["tokenizer.json", "model.safetensors"] {
        std::fs::copy(real.join(f), dir.path().join(f)).unwrap();
    }
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(real.join("config.json")).unwrap()).unwrap();
    config["intermediate_size"] = 1024.into();
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let err = Embedder::load(dir.path())
        .err()
        .expect("mismatch refused")
        .to_string();
    assert!(
        err.contains("encoder.layer.0.intermediate.dense.weight")
            && err.contains("[1536, 384]")
            && err.contains("[1024, 384]"),
        "{err}"
    );

    config["intermediate_size"] = 1536.into();
    config["hidden_act"] = "relu".into();
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let err = Embedder::load(dir.path())
        .err()
        .expect("relu refused")
        .to_string();
    assert!(err.contains("hidden_act \"relu\""), "{err}");
}
