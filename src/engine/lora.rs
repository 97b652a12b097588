//! LoRA adapters in PEFT's layout: `adapter_config.json` + `adapter_model.safetensors` with
//! tensor names like `base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight`.
//!
//! Applied as a side path next to the (quantized) base weight: `y = W x + (alpha/r) B (A x)`,
//! so the base model is never dequantized or modified.
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use serde::Deserialize;

use super::EngineError;

type Result<T> = std::result::Result<T, EngineError>;

/// The fields of PEFT's `adapter_config.json` that matter for inference.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct AdapterConfig {
    #[serde(default)]
    pub peft_type: Option<String>,
    pub r: usize,
    pub lora_alpha: f64,
    pub target_modules: TargetModules,
    #[serde(default)]
    pub use_rslora: bool,
    #[serde(default)]
    pub base_model_name_or_path: Option<String>,
}

/// PEFT writes either a list of module names or one regex-free name.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(untagged)]
pub enum TargetModules {
    List(Vec<String>),
    One(String),
}

/// One projection's pair of low-rank factors, already scaled.
#[derive(Debug, Clone)]
pub(crate) struct LoraPair {
    /// `[r, in]`
    a: Tensor,
    /// `[out, r]`, multiplied by alpha/r.
    b_scaled: Tensor,
}

impl LoraPair {
    pub(crate) fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.broadcast_matmul(&self.a.t()?)?
            .broadcast_matmul(&self.b_scaled.t()?)
    }

    /// `(alpha/r) B A`, `[out, in]`.
    pub(crate) fn delta(&self) -> candle_core::Result<Tensor> {
        self.b_scaled.matmul(&self.a)
    }
}

/// A loaded adapter.
#[derive(Debug, Clone)]
pub struct Adapter {
    dir: PathBuf,
    config: AdapterConfig,
    /// (layer, module) → (A, B)
    tensors: HashMap<(usize, String), (Option<Tensor>, Option<Tensor>)>,
}

impl Adapter {
    /// Loads `dir/adapter_config.json` and `dir/adapter_model.safetensors`.
    pub fn load(dir: &Path) -> Result<Self> {
        let cfg_path = dir.join("adapter_config.json");
        let text = std::fs::read_to_string(&cfg_path).map_err(|e| EngineError::Io {
            path: cfg_path.clone(),
            source: e,
        })?;
        let config: AdapterConfig = serde_json::from_str(&text).map_err(|e| {
            EngineError::Input(format!("{}: line {}: {e}", cfg_path.display(), e.line()))
        })?;
        if let Some(t) = &config.peft_type
            && t != "LORA"
        {
            return Err(EngineError::Input(format!(
                "{}: peft_type `{t}` is not supported (only LORA)",
                cfg_path.display()
            )));
        }
        if config.r == 0 {
            return Err(EngineError::Input(format!(
                "{}: `r` must be > 0",
                cfg_path.display()
            )));
        }
        let st_path = dir.join("adapter_model.safetensors");
        let raw = candle_core::safetensors::load(&st_path, &Device::Cpu)
            .map_err(|e| EngineError::Input(format!("{}: {e}", st_path.display())))?;
        let mut tensors: HashMap<(usize, String), (Option<Tensor>, Option<Tensor>)> =
            HashMap::new();
        for (name, t) in raw {
            let Some((layer, module, which)) = parse_name(&name) else {
                return Err(EngineError::Input(format!(
                    "{}: unexpected tensor `{name}` (want PEFT names like \
                     base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight)",
                    st_path.display()
                )));
            };
            let t = t.to_dtype(DType::F32)?;
            let slot = tensors.entry((layer, module)).or_default();
            if which == 'A' {
                slot.0 = Some(t);
            } else {
                slot.1 = Some(t);
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            config,
            tensors,
        })
    }

    /// The scale applied to `B A`: alpha/r (alpha/sqrt(r) with rsLoRA).
    fn scale(&self) -> f64 {
        let r = self.config.r as f64;
        if self.config.use_rslora {
            self.config.lora_alpha / r.sqrt()
        } else {
            self.config.lora_alpha / r
        }
    }

    pub(crate) fn pair(
        &self,
        layer: usize,
        module: &str,
        (out, inp): (usize, usize),
        device: &Device,
    ) -> Result<Option<LoraPair>> {
        let Some((a, b)) = self.tensors.get(&(layer, module.to_string())) else {
            return Ok(None);
        };
        let name = format!("layers.{layer}.{module}");
        let (Some(a), Some(b)) = (a, b) else {
            return Err(EngineError::Input(format!(
                "{}: {name} has only one of lora_A / lora_B",
                self.dir.display()
            )));
        };
        let r = self.config.r;
        if a.dims() != [r, inp] || b.dims() != [out, r] {
            return Err(EngineError::Input(format!(
                "{}: {name}: lora_A {:?} / lora_B {:?} do not fit a [{out}, {inp}] weight with r={r}",
                self.dir.display(),
                a.dims(),
                b.dims()
            )));
        }
        Ok(Some(LoraPair {
            a: a.to_device(device)?,
            b_scaled: (b * self.scale())?.to_device(device)?,
        }))
    }

    /// Fails when the adapter names layers the model does not have.
    pub(crate) fn check_all_used(&self, layers: usize) -> Result<()> {
        let known: BTreeSet<&str> = [
            "q_proj",
            "k_proj",
            "v_proj",
            "o_proj",
            "gate_proj",
            "up_proj",
            "down_proj",
        ]
        .into();
        for (layer, module) in self.tensors.keys() {
            if *layer >= layers || !known.contains(module.as_str()) {
                return Err(EngineError::Input(format!(
                    "{}: adapter targets layers.{layer}.{module}, which this model does not have",
                    self.dir.display()
                )));
            }
        }
        Ok(())
    }

    /// Writes an adapter in PEFT layout (used by tests and by fine-tuning).
    pub fn save(
        dir: &Path,
        config: &AdapterConfig,
        pairs: &[(usize, &str, Tensor, Tensor)],
    ) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| EngineError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let cfg = serde_json::json!({
            "peft_type": "LORA",
            "task_type": "CAUSAL_LM",
            "r": config.r,
            "lora_alpha": config.lora_alpha,
            "target_modules": config.target_modules,
            "use_rslora": config.use_rslora,
            "lora_dropout": 0.0,
            "bias": "none",
            "base_model_name_or_path": config.base_model_name_or_path,
        });
        let path = dir.join("adapter_config.json");
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&cfg).unwrap_or_default(),
        )
        .map_err(|e| EngineError::Io { path, source: e })?;
        let mut map = HashMap::new();
        for (layer, module, a, b) in pairs {
            let group = if module.ends_with("_proj")
                && ["gate", "up", "down"].iter().any(|m| module.starts_with(m))
            {
                "mlp"
            } else {
                "self_attn"
            };
            let base = format!("base_model.model.model.layers.{layer}.{group}.{module}");
            map.insert(format!("{base}.lora_A.weight"), a.clone());
            map.insert(format!("{base}.lora_B.weight"), b.clone());
        }
        candle_core::safetensors::save(&map, dir.join("adapter_model.safetensors"))?;
        Ok(())
    }
}

/// `...layers.N.(self_attn|mlp).MODULE.lora_(A|B)[.default].weight` → (N, MODULE, A|B).
fn parse_name(name: &str) -> Option<(usize, String, char)> {
    let rest = &name[name.find("layers.")? + "layers.".len()..];
    let mut parts = rest.split('.');
    let layer: usize = parts.next()?.parse().ok()?;
    let parts: Vec<&str> = parts.collect();
    let li = parts
        .iter()
        .position(|p| *p == "lora_A" || *p == "lora_B")?;
    if li == 0 || parts.last() != Some(&"weight") {
        return None;
    }
    let module = parts[li - 1].to_string();
    let which = if parts[li] == "lora_A" { 'A' } else { 'B' };
    Some((layer, module, which))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_peft_names() {
        assert_eq!(
            parse_name("base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight"),
            Some((3, "q_proj".into(), 'A'))
        );
        assert_eq!(
            parse_name("base_model.model.model.layers.17.mlp.down_proj.lora_B.default.weight"),
            Some((17, "down_proj".into(), 'B'))
        );
        assert_eq!(parse_name("model.embed_tokens.weight"), None);
    }

    #[test]
    fn bad_config_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("adapter_config.json"), "{\n \"r\": \"x\"}").unwrap();
        let err = Adapter::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("adapter_config.json: line 2"), "{err}");
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = AdapterConfig {
            peft_type: Some("LORA".into()),
            r: 2,
            lora_alpha: 4.0,
            target_modules: TargetModules::List(vec!["q_proj".into()]),
            use_rslora: false,
            base_model_name_or_path: None,
        };
        let a = Tensor::ones((2, 8), DType::F32, &Device::Cpu).unwrap();
        let b = Tensor::ones((4, 2), DType::F32, &Device::Cpu).unwrap();
        Adapter::save(dir.path(), &cfg, &[(0, "q_proj", a, b)]).unwrap();
        let ad = Adapter::load(dir.path()).unwrap();
        assert_eq!(ad.scale(), 2.0);
        let pair = ad.pair(0, "q_proj", (4, 8), &Device::Cpu).unwrap().unwrap();
        let d: Vec<Vec<f32>> = pair.delta().unwrap().to_vec2().unwrap();
        assert!(d.iter().flatten().all(|v| (*v - 4.0).abs() < 1e-6));
        assert!(ad.pair(0, "q_proj", (4, 9), &Device::Cpu).is_err());
        assert!(
            ad.pair(1, "q_proj", (4, 8), &Device::Cpu)
                .unwrap()
                .is_none()
        );
    }
}
