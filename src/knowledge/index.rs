//! The tantivy side: one document per chunk with the fields title, headings, body, alerts and
//! path, an English stemming analyzer, and BM25 over all fields with per-field boosts.
use std::collections::HashSet;
use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::KnowledgeError;
use super::query::expand_identifiers;

const ANALYZER: &str = "aida_en";

/// Relative weight of a match in each field. Alert names and titles say what a runbook is for;
/// a word in the body may be incidental.
const BOOSTS: [(&str, f32); 5] = [
    ("title", 2.0),
    ("alerts", 2.0),
    ("headings", 1.0),
    ("body", 1.0),
    ("path", 1.0),
];

/// Words that carry no meaning in a query (BM25 would give them little weight anyway, but a
/// long alert description has many of them).
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "has", "have", "had", "of", "in",
    "on", "at", "to", "for", "from", "by", "with", "and", "or", "not", "no", "it", "its", "this",
    "that", "these", "those", "as", "than", "then", "there", "which", "who", "will", "would",
    "can", "could", "may", "might", "should", "do", "does", "did", "if", "so", "but", "into",
    "over", "under", "last", "more", "less", "least", "most", "same", "other", "some", "all",
    "any", "each", "per", "via", "our", "your", "their",
];

pub struct Fields {
    pub id: Field,
    pub doc: Field,
    pub title: Field,
    pub headings: Field,
    pub body: Field,
    pub alerts: Field,
    pub path: Field,
}

/// The text of one chunk as indexed.
pub struct ChunkDoc<'a> {
    pub id: u64,
    pub doc_key: &'a str,
    pub title: &'a str,
    pub headings: &'a str,
    pub body: &'a str,
    pub alerts: &'a str,
    pub path: &'a str,
}

pub struct BmIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED),
        doc: b.add_text_field("doc", STRING),
        title: b.add_text_field("title", text.clone()),
        headings: b.add_text_field("headings", text.clone()),
        body: b.add_text_field("body", text.clone()),
        alerts: b.add_text_field("alerts", text.clone()),
        path: b.add_text_field("path", text),
    };
    (b.build(), fields)
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

impl BmIndex {
    /// Opens the index in `dir`, creating it when absent.
    pub fn open_or_create(dir: &Path) -> Result<Self, KnowledgeError> {
        std::fs::create_dir_all(dir).map_err(|e| KnowledgeError::io(dir, e))?;
        let (schema, fields) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| KnowledgeError::Index(e.to_string()))?;
        let index = Index::open_or_create(mmap, schema)?;
        Self::finish(index, fields)
    }

    /// Opens an existing index.
    pub fn open(dir: &Path) -> Result<Self, KnowledgeError> {
        let (_, fields) = schema();
        let index = Index::open_in_dir(dir)?;
        Self::finish(index, fields)
    }

    fn finish(index: Index, fields: Fields) -> Result<Self, KnowledgeError> {
        index.tokenizers().register(ANALYZER, analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
        })
    }

    pub fn writer(&self) -> Result<IndexWriter, KnowledgeError> {
        Ok(self.index.writer(50_000_000)?)
    }

    pub fn add_chunk(&self, writer: &IndexWriter, chunk: &ChunkDoc) -> Result<(), KnowledgeError> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, chunk.id);
        doc.add_text(f.doc, chunk.doc_key);
        doc.add_text(f.title, expand_identifiers(chunk.title));
        doc.add_text(f.headings, expand_identifiers(chunk.headings));
        doc.add_text(f.body, expand_identifiers(chunk.body));
        doc.add_text(f.alerts, expand_identifiers(chunk.alerts));
        doc.add_text(f.path, expand_identifiers(chunk.path));
        writer.add_document(doc)?;
        Ok(())
    }

    /// The distinct analysed terms of `text`, stop words removed.
    fn terms(&self, text: &str) -> Vec<String> {
        let mut analyzer = analyzer();
        let expanded = expand_identifiers(text);
        let mut stream = analyzer.token_stream(&expanded);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            let t = token.text.clone();
            // Single characters and bare numbers (percentages, counts) describe an occurrence.
            if t.len() < 2 || t.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            if STOP_WORDS.contains(&t.as_str()) {
                continue;
            }
            if seen.insert(t.clone()) {
                out.push(t);
            }
        }
        out
    }

    /// BM25 search: chunk ids with scores, best first.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<(u64, f32)>, KnowledgeError> {
        let f = &self.fields;
        let fields = [f.title, f.alerts, f.headings, f.body, f.path];
        let mut clauses: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        for term in self.terms(text) {
            for (field, (_, boost)) in fields.iter().zip(BOOSTS) {
                let q = TermQuery::new(
                    Term::from_field_text(*field, &term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) {
                out.push((id, score));
            }
        }
        Ok(out)
    }
}
