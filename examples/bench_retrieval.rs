//! Retrieval benchmark (see scripts/bench-retrieval.sh, which also runs sentence-transformers).
//!
//! `bench_retrieval CORPUS_DIR QUERIES_JSONL MODEL_DIR WORK_DIR` ingests the corpus into
//! WORK_DIR (from scratch, timed), scores every query per mode and variant, measures warm query
//! latency and embedding throughput, writes the embedded texts to WORK_DIR/texts.jsonl (so the
//! Python side embeds exactly the same texts) and prints one JSON document.
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aida::knowledge::bench::{self, percentile};
use aida::knowledge::{self, IngestOptions, KnowledgeBase, Mode, Source};
use serde_json::json;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    // The same process settings as the `aida` binary.
    aida::process::tune_allocator();
    // SAFETY: first thing in main, no other thread exists.
    unsafe { aida::process::configure_cpu(0) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [corpus, queries, model, work] = args.as_slice() else {
        anyhow::bail!("usage: bench_retrieval CORPUS_DIR QUERIES_JSONL MODEL_DIR WORK_DIR");
    };
    let (corpus, model, work) = (
        PathBuf::from(corpus),
        PathBuf::from(model),
        PathBuf::from(work),
    );
    let index_dir = work.join("index");
    if index_dir.exists() {
        std::fs::remove_dir_all(&index_dir)?;
    }
    let queries = bench::load_queries(std::path::Path::new(queries))?;

    let summary = knowledge::ingest(
        &index_dir,
        IngestOptions {
            sources: vec![Source::Dir(corpus.clone())],
            rebuild: true,
            model_dir: model.clone(),
            progress: &mut |_| {},
        },
    )?;
    // A second ingest with nothing changed: the incremental path.
    let again = knowledge::ingest(
        &index_dir,
        IngestOptions {
            sources: vec![Source::Dir(corpus)],
            rebuild: false,
            model_dir: model.clone(),
            progress: &mut |_| {},
        },
    )?;

    let kb = KnowledgeBase::open_dir(&index_dir, model.clone())?;
    kb.embedder()?;
    let mut cells = Vec::new();
    let mut latency = serde_json::Map::new();
    for mode in [Mode::Hybrid, Mode::Bm25, Mode::Vector] {
        // Warm-up pass (page cache, allocator), then the measured one.
        bench::score(&kb, &queries, "full", mode)?;
        let mut samples = Vec::new();
        for variant in ["full", "symptom"] {
            let cell = bench::score(&kb, &queries, variant, mode)?;
            samples.extend(cell.latencies.iter().copied());
            cells.push(cell);
        }
        latency.insert(
            format!("{mode:?}").to_lowercase(),
            json!({"p50_ms": ms(percentile(&samples, 50.0)), "p99_ms": ms(percentile(&samples, 99.0)), "queries": samples.len()}),
        );
    }

    // Embedding throughput over the corpus chunks, the same texts ingest embeds.
    let texts = kb.embedding_texts();
    let embedder = kb.embedder()?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let warm = refs.len().min(64);
    embedder.embed(&refs[..warm], |_| {})?;
    let started = Instant::now();
    embedder.embed(&refs, |_| {})?;
    let embed_secs = started.elapsed().as_secs_f64();
    let tokens: usize = refs
        .iter()
        .map(|t| embedder.token_count(t).unwrap_or(0))
        .sum();
    let mut lines = String::new();
    for t in &texts {
        lines.push_str(&serde_json::to_string(t)?);
        lines.push('\n');
    }
    std::fs::write(work.join("texts.jsonl"), lines)?;

    // The query embedding alone (what the vector half of a query costs), on the texts both sides
    // embed: written to query_texts.jsonl for sentence-transformers.
    let mut query_texts = Vec::new();
    for q in &queries {
        let parsed = aida::alert::parse_value(&q.alert)?;
        if let Some(first) = parsed.firing.first() {
            query_texts.push(aida::knowledge::Query::from_alert(first).semantic);
        }
    }
    let mut lines = String::new();
    for t in &query_texts {
        lines.push_str(&serde_json::to_string(t)?);
        lines.push('\n');
    }
    std::fs::write(work.join("query_texts.jsonl"), lines)?;
    for t in query_texts.iter().take(8) {
        embedder.embed_query(t)?;
        embedder.embed_one(t)?;
    }
    // What a search runs (int8 where the CPU has VNNI), and the f32 path for comparison; the
    // cosine between the two says what int8 costs in accuracy.
    let (mut query_samples, mut f32_samples) = (Vec::new(), Vec::new());
    let mut query_tokens = Vec::new();
    let mut cosines = Vec::new();
    for t in &query_texts {
        let started = Instant::now();
        let fast = embedder.embed_query(t)?;
        query_samples.push(started.elapsed());
        let started = Instant::now();
        let exact = embedder.embed_one(t)?;
        f32_samples.push(started.elapsed());
        cosines.push(fast.iter().zip(&exact).map(|(a, b)| a * b).sum::<f32>());
        query_tokens.push(embedder.token_count(t)?);
    }
    query_tokens.sort_unstable();
    cosines.sort_by(f32::total_cmp);

    let out = json!({
        "ingest": {"files": summary.files, "chunks": summary.chunks, "broken": summary.broken.len(),
                    "seconds": summary.seconds, "reingest_unchanged_seconds": again.seconds,
                    "reingest_embedded": again.embedded},
        "cells": cells,
        "latency": latency,
        "query_embedding": {"queries": query_samples.len(),
                            "p50_ms": ms(percentile(&query_samples, 50.0)),
                            "p99_ms": ms(percentile(&query_samples, 99.0)),
                            "int8": embedder.int8_queries(),
                            "f32_p50_ms": ms(percentile(&f32_samples, 50.0)),
                            "f32_p99_ms": ms(percentile(&f32_samples, 99.0)),
                            "cosine_to_f32_min": cosines.first(),
                            "cosine_to_f32_median": cosines.get(cosines.len() / 2),
                            "median_tokens": query_tokens.get(query_tokens.len() / 2)},
        "embedding": {"texts": texts.len(), "tokens": tokens, "seconds": embed_secs,
                       "sentences_per_s": texts.len() as f64 / embed_secs,
                       "max_tokens": embedder.max_tokens()},
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
