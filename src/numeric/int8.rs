//! Int8 dense layers on AVX-512 VNNI: search queries (knowledge) and the local model's prefill.
//!
//! A search query is a few dozen tokens, so its matrix products are too small to keep f32 units
//! busy and latency is all that counts; a prefill is hundreds of tokens through 100M weights.
//! `vpdpbusd` multiplies 64 byte pairs per instruction, four times the multiply-adds of an f32
//! FMA. Weights are quantized once per output column (symmetric, `i8`), activations per token on
//! the fly (`u8` with a zero point of 128, the operand order the instruction wants); the 128
//! offset is taken back with each column's weight sum. This is the dynamic quantization ONNX
//! Runtime applies to BERT encoders; the test module bounds its error, and BENCHMARKS.md records
//! the effect on recall and perplexity.
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use rayon::prelude::*;

/// Columns per 512-bit register of `i32` accumulators.
const LANES: usize = 16;
/// Column blocks (of 16) per tile, and token rows per tile: 24 accumulators, 4 weight registers
/// and a broadcast fit AVX-512's 32 registers.
const BLOCKS: usize = 4;
const ROWS: usize = 6;
/// Token rows per parallel job (a multiple of ROWS).
const ROW_CHUNK: usize = 96;

pub struct QuantizedLinear {
    /// Per 16-column block, per 4 inputs: 64 bytes, column `i`'s four weights at `4i..4i+4`.
    packed: Vec<i8>,
    /// 128 × each column's sum of quantized weights (what the activations' zero point adds).
    offsets: Vec<i32>,
    scales: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
    /// Activations in 16 bits (two byte planes, two kernel passes) instead of 8.
    wide: bool,
}

/// One kernel pass over a byte plane of the activations.
#[derive(Clone, Copy)]
struct Pass<'a> {
    bytes: &'a [u8],
    /// Per row: what one unit of the plane's bytes is worth.
    row_scales: &'a [f32],
    /// Bytes are centred on 128 (take the offsets back) and the bias is added: the high (or
    /// only) plane. The low plane of a wide pass is plain unsigned and adds onto it.
    centred: bool,
    accumulate: bool,
}

impl std::fmt::Debug for QuantizedLinear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuantizedLinear")
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("wide", &self.wide)
            .finish_non_exhaustive()
    }
}

/// Whether the int8 kernels run here: the CPU has AVX-512 VNNI and `AIDA_DISABLE_INT8` is not
/// set (it switches queries and prefill back to f32, for comparisons or a CPU whose AVX-512 is
/// slow). Decided once per process.
pub fn supported() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| cpu_has_vnni() && std::env::var_os("AIDA_DISABLE_INT8").is_none())
}

fn cpu_has_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl QuantizedLinear {
    /// Quantizes a dense layer given as `[inputs, outputs]` row-major weights. `None` when the
    /// shape does not fit the kernel's tiles (inputs a multiple of 16, outputs of 64). `wide`
    /// keeps 16 bits of each activation, for twice the kernel time: for the layers whose
    /// rounding error matters most (BENCHMARKS.md).
    pub fn new(
        weight: &[f32],
        bias: &[f32],
        inputs: usize,
        outputs: usize,
        wide: bool,
    ) -> Option<Self> {
        if weight.len() != inputs * outputs {
            return None;
        }
        let mut rows = vec![0f32; weight.len()];
        for (k, row) in weight.chunks_exact(outputs).enumerate() {
            for (n, &w) in row.iter().enumerate() {
                rows[n * inputs + k] = w;
            }
        }
        Self::from_rows(&rows, bias, inputs, outputs, wide)
    }

    /// The same from PyTorch's `[outputs, inputs]` layout (one row per output column), which is
    /// also the packing order: each 16-row block fills its own contiguous stretch, in parallel.
    pub fn from_rows(
        rows: &[f32],
        bias: &[f32],
        inputs: usize,
        outputs: usize,
        wide: bool,
    ) -> Option<Self> {
        if !inputs.is_multiple_of(LANES)
            || !outputs.is_multiple_of(LANES * BLOCKS)
            || rows.len() != inputs * outputs
            || bias.len() != outputs
        {
            return None;
        }
        let groups = inputs / 4;
        let mut packed = vec![0i8; inputs * outputs];
        let per_block: Vec<Vec<(f32, i32)>> = packed
            .par_chunks_mut(groups * 64)
            .zip(rows.par_chunks(LANES * inputs))
            .map(|(dst, block_rows)| {
                block_rows
                    .chunks_exact(inputs)
                    .enumerate()
                    .map(|(lane, row)| {
                        let max = row.iter().fold(0f32, |m, w| m.max(w.abs()));
                        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
                        let inverse = 1.0 / scale;
                        let mut sum = 0i32;
                        for (g, four) in row.chunks_exact(4).enumerate() {
                            let at = g * 64 + lane * 4;
                            for (j, &w) in four.iter().enumerate() {
                                // |w·inverse| <= 127 by the choice of scale.
                                let q = (w * inverse).round_ties_even() as i32;
                                dst[at + j] = q as i8;
                                sum += q;
                            }
                        }
                        (scale, 128 * sum)
                    })
                    .collect()
            })
            .collect();
        let (scales, offsets) = per_block.into_iter().flatten().unzip();
        Some(Self {
            packed,
            offsets,
            scales,
            bias: bias.to_vec(),
            inputs,
            outputs,
            wide,
        })
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// `out = x·W + b` (or `out += ...` with `accumulate`) for `rows` rows of `x`. Only call
    /// when [`supported`] said yes.
    pub fn forward(&self, x: &[f32], rows: usize, out: &mut [f32], accumulate: bool) {
        assert!(cpu_has_vnni(), "int8 kernels need AVX-512 VNNI");
        assert_eq!(x.len(), rows * self.inputs);
        assert_eq!(out.len(), rows * self.outputs);
        let planes = quantize_rows(x, self.inputs, self.wide);
        let high_scales: Vec<f32>;
        let passes: Vec<Pass> = match &planes {
            Planes::Narrow { bytes, scales } => vec![Pass {
                bytes,
                row_scales: scales,
                centred: true,
                accumulate,
            }],
            Planes::Wide { high, low, scales } => {
                high_scales = scales.iter().map(|s| s * 256.0).collect();
                vec![
                    Pass {
                        bytes: high,
                        row_scales: &high_scales,
                        centred: true,
                        accumulate,
                    },
                    Pass {
                        bytes: low,
                        row_scales: scales,
                        centred: false,
                        accumulate: true,
                    },
                ]
            }
        };
        let tiles = self.outputs / (LANES * BLOCKS);
        // Jobs are 64 columns × up to ROW_CHUNK rows: enough of them to keep every thread busy
        // on a many-core machine, each small enough that its activations and weights stay in
        // L2. A product under ~2M multiply-adds runs on the calling thread: handing it over
        // costs more than it saves.
        let chunk = ROW_CHUNK.min(rows.max(1));
        let jobs = tiles * rows.div_ceil(chunk);
        let out_ptr = OutPtr(out.as_mut_ptr());
        let job = |j: usize| {
            let (tile, first) = (j % tiles, (j / tiles) * chunk);
            let span = first..(first + chunk).min(rows);
            for pass in &passes {
                // SAFETY: the CPU features were checked above; jobs write disjoint blocks of `out`
                // (their rows × their 64 columns), and a job's passes run in order.
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    self.column_tile(*pass, span.clone(), tile, out_ptr)
                };
            }
        };
        if rows * self.inputs * self.outputs >= 1 << 21 && rayon::current_num_threads() > 1 {
            (0..jobs).into_par_iter().for_each(job);
        } else {
            (0..jobs).for_each(job);
        }
    }

    /// Rows `rows` for the 64 columns of `tile`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn column_tile(
        &self,
        pass: Pass,
        rows: std::ops::Range<usize>,
        tile: usize,
        out: OutPtr,
    ) {
        let mut row = rows.start;
        // SAFETY (all calls): rows row..row+R exist; the caller holds the target features.
        unsafe {
            while row + ROWS <= rows.end {
                self.block::<ROWS>(pass, row, tile, out);
                row += ROWS;
            }
            match rows.end - row {
                1 => self.block::<1>(pass, row, tile, out),
                2 => self.block::<2>(pass, row, tile, out),
                3 => self.block::<3>(pass, row, tile, out),
                4 => self.block::<4>(pass, row, tile, out),
                5 => self.block::<5>(pass, row, tile, out),
                _ => {}
            }
        }
    }

    /// `R` rows × 64 columns: the micro-kernel.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    #[inline]
    unsafe fn block<const R: usize>(&self, pass: Pass, row0: usize, tile: usize, out: OutPtr) {
        let k = self.inputs;
        let groups = k / 4;
        let first_block = tile * BLOCKS;
        let mut acc = [[_mm512_setzero_si512(); BLOCKS]; R];
        // SAFETY: weight offsets stay below (first_block + BLOCKS) * groups * 64 <= packed.len();
        // activation reads stay inside rows row0..row0+R of `quantized` (rows × k bytes); output
        // writes inside rows row0..row0+R, columns of this tile.
        unsafe {
            let weights = self.packed.as_ptr().add(first_block * groups * 64);
            let acts = pass.bytes.as_ptr().add(row0 * k);
            for g in 0..groups {
                let mut w = [_mm512_setzero_si512(); BLOCKS];
                for (b, wv) in w.iter_mut().enumerate() {
                    *wv = _mm512_loadu_si512(weights.add((b * groups + g) * 64).cast());
                }
                for (r, acc_row) in acc.iter_mut().enumerate() {
                    let a =
                        _mm512_set1_epi32(acts.add(r * k + g * 4).cast::<i32>().read_unaligned());
                    for (av, wv) in acc_row.iter_mut().zip(&w) {
                        *av = _mm512_dpbusd_epi32(*av, a, *wv);
                    }
                }
            }
            let n = self.outputs;
            for (r, acc_row) in acc.iter().enumerate() {
                let t = row0 + r;
                let sx = _mm512_set1_ps(pass.row_scales[t]);
                for (b, av) in acc_row.iter().enumerate() {
                    let col = (first_block + b) * LANES;
                    let sw = _mm512_loadu_ps(self.scales.as_ptr().add(col));
                    let mut y = if pass.centred {
                        let offset = _mm512_loadu_si512(self.offsets.as_ptr().add(col).cast());
                        let v = _mm512_cvtepi32_ps(_mm512_sub_epi32(*av, offset));
                        let bias = _mm512_loadu_ps(self.bias.as_ptr().add(col));
                        _mm512_fmadd_ps(_mm512_mul_ps(v, sx), sw, bias)
                    } else {
                        _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(*av), sx), sw)
                    };
                    let dst = out.0.add(t * n + col);
                    if pass.accumulate {
                        y = _mm512_add_ps(y, _mm512_loadu_ps(dst));
                    }
                    _mm512_storeu_ps(dst, y);
                }
            }
        }
    }
}

/// The output pointer, shared by the two halves of a split product (disjoint columns).
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: the halves write disjoint columns; `out` outlives `rayon::join`.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}

/// Activations quantized per row: one byte plane, or two for 16 bits.
enum Planes {
    Narrow {
        bytes: Vec<u8>,
        scales: Vec<f32>,
    },
    /// `round(x / scale) + 32768 = 256·high + low`.
    Wide {
        high: Vec<u8>,
        low: Vec<u8>,
        scales: Vec<f32>,
    },
}

/// Per-row symmetric quantization around the middle of the unsigned range.
fn quantize_rows(x: &[f32], cols: usize, wide: bool) -> Planes {
    let rows = x.len() / cols;
    let mut scales = Vec::with_capacity(rows);
    let mut high = vec![0u8; x.len()];
    let mut low = if wide { vec![0u8; x.len()] } else { Vec::new() };
    for (r, row) in x.chunks_exact(cols).enumerate() {
        let range = r * cols..(r + 1) * cols;
        // SAFETY: only reached through `forward`, after the CPU check; `cols % 16 == 0`.
        #[cfg(target_arch = "x86_64")]
        scales.push(unsafe {
            let low = wide.then(|| &mut low[range.clone()]);
            quantize_row(row, &mut high[range], low)
        });
    }
    if wide {
        Planes::Wide { high, low, scales }
    } else {
        Planes::Narrow {
            bytes: high,
            scales,
        }
    }
}

/// max |x| of a row (a multiple of 16 long).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn abs_max(row: &[f32]) -> f32 {
    let mut max = _mm512_setzero_ps();
    for i in (0..row.len()).step_by(LANES) {
        // SAFETY: i + 16 <= row.len().
        max = _mm512_max_ps(
            max,
            _mm512_abs_ps(unsafe { _mm512_loadu_ps(row.as_ptr().add(i)) }),
        );
    }
    _mm512_reduce_max_ps(max)
}

/// One row. Narrow (`low` is `None`): the scale is max |x| / 127 and `high` gets
/// round(x / scale) + 128. Wide: the scale is max |x| / 32767 and round(x / scale) + 32768 is split
/// into `high` and `low` bytes. Rounding is to even, as the conversion instruction does.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn quantize_row(row: &[f32], high: &mut [u8], mut low: Option<&mut [u8]>) -> f32 {
    debug_assert!(row.len().is_multiple_of(LANES) && high.len() == row.len());
    debug_assert!(low.as_ref().is_none_or(|l| l.len() == row.len()));
    let (levels, zero, top) = match low {
        Some(_) => (32767.0, 32768, 65535),
        None => (127.0, 128, 255),
    };
    // SAFETY: every load/store covers 16 floats / 16 bytes inside the slices.
    unsafe {
        let max = abs_max(row);
        let scale = if max > 0.0 { max / levels } else { 1.0 };
        let inv = _mm512_set1_ps(1.0 / scale);
        let (zero, bottom, top, byte) = (
            _mm512_set1_epi32(zero),
            _mm512_set1_epi32(1),
            _mm512_set1_epi32(top),
            _mm512_set1_epi32(255),
        );
        for i in (0..row.len()).step_by(LANES) {
            let v = _mm512_mul_ps(_mm512_loadu_ps(row.as_ptr().add(i)), inv);
            let q = _mm512_add_epi32(_mm512_cvtps_epi32(v), zero);
            let q = _mm512_min_epi32(_mm512_max_epi32(q, bottom), top);
            let h = match low.as_deref_mut() {
                Some(low) => {
                    let l = _mm512_and_si512(q, byte);
                    _mm_storeu_si128(low.as_mut_ptr().add(i).cast(), _mm512_cvtepi32_epi8(l));
                    _mm512_srli_epi32::<8>(q)
                }
                None => q,
            };
            _mm_storeu_si128(high.as_mut_ptr().add(i).cast(), _mm512_cvtepi32_epi8(h));
        }
        scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the test needs no extra crate.
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn int8_product_is_close_to_f32() {
        if !cpu_has_vnni() {
            eprintln!("no AVX-512 VNNI here: int8 kernels not exercised");
            return;
        }
        let (k, n) = (384, 128);
        let w = values(k * n, 1);
        let bias = values(n, 2);
        let narrow = QuantizedLinear::new(&w, &bias, k, n, false).expect("shape fits");
        let wide = QuantizedLinear::new(&w, &bias, k, n, true).expect("shape fits");
        // 200 rows span three row chunks of the parallel path.
        for rows in [1, 5, 6, 7, 13, 43, 200] {
            let x = values(rows * k, 3 + rows as u64);
            let mut exact = vec![0f32; rows * n];
            for t in 0..rows {
                for c in 0..n {
                    exact[t * n + c] =
                        bias[c] + (0..k).map(|i| x[t * k + i] * w[i * n + c]).sum::<f32>();
                }
            }
            let norm: f32 = exact.iter().map(|v| v * v).sum();
            let relative = |got: &[f32]| {
                let err: f32 = got.iter().zip(&exact).map(|(a, b)| (a - b).powi(2)).sum();
                (err / norm).sqrt()
            };
            let mut got = vec![0f32; rows * n];
            narrow.forward(&x, rows, &mut got, false);
            let narrow_error = relative(&got);
            assert!(
                narrow_error < 0.02,
                "rows {rows}: relative error {narrow_error}"
            );
            // Accumulating adds onto what is there.
            let mut twice = got.clone();
            narrow.forward(&x, rows, &mut twice, true);
            for (t, g) in twice.iter().zip(&got) {
                assert!((t - 2.0 * g).abs() < 1e-4);
            }
            // 16-bit activations leave only the weights' rounding: clearly closer.
            let mut wide_out = vec![0f32; rows * n];
            wide.forward(&x, rows, &mut wide_out, false);
            let wide_error = relative(&wide_out);
            assert!(
                wide_error < narrow_error * 0.8,
                "rows {rows}: wide {wide_error} vs narrow {narrow_error}"
            );
            let mut twice = wide_out.clone();
            wide.forward(&x, rows, &mut twice, true);
            for (t, g) in twice.iter().zip(&wide_out) {
                assert!((t - 2.0 * g).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn both_layouts_pack_the_same() {
        let (k, n) = (32, 64);
        let w = values(k * n, 9);
        let mut rows = vec![0f32; k * n];
        for i in 0..k {
            for j in 0..n {
                rows[j * k + i] = w[i * n + j];
            }
        }
        let a = QuantizedLinear::new(&w, &[0.0; 64], k, n, false).unwrap();
        let b = QuantizedLinear::from_rows(&rows, &[0.0; 64], k, n, false).unwrap();
        assert_eq!(a.packed, b.packed);
        assert_eq!(a.offsets, b.offsets);
        assert_eq!(a.scales, b.scales);
    }

    #[test]
    fn shapes_outside_the_tiles_are_refused() {
        assert!(QuantizedLinear::new(&[0.0; 6 * 64], &[0.0; 64], 6, 64, false).is_none());
        assert!(QuantizedLinear::new(&[0.0; 16 * 48], &[0.0; 48], 16, 48, false).is_none());
        assert!(QuantizedLinear::new(&[0.0; 16 * 64], &[0.0; 64], 16, 64, false).is_some());
    }
}
