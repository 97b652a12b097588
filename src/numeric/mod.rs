//! Vectorisable f32 kernels shared by the embedding encoder and the LLM: polynomial `exp`/`erf`
//! (libm's are scalar calls, so loops over them stay scalar) and lane-split sums, and int8
//! dense layers on AVX-512 VNNI.

pub mod int8;

/// Sums in 8 independent lanes so the compiler can keep them in one vector register (a single
/// running float sum cannot be reordered, so it would stay scalar).
pub fn sum(x: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for i in 0..8 {
            lanes[i] += c[i];
        }
    }
    lanes.iter().sum::<f32>() + rest
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// `exp(x)` to about 2 ulp without a libm call, so loops over it vectorise: `x = k·ln2 + r`,
/// a degree-6 Taylor polynomial for `exp(r)` with `|r| <= ln2/2`, and `2^k` built in the
/// exponent bits. `k` is rounded by adding 1.5·2^23 (its integer lands in the low mantissa
/// bits), because a float-to-int `as` cast saturates and would keep the loop scalar.
#[inline(always)]
pub fn exp_approx(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let k = shifted - ROUND;
    let r = x - k * LN2_HI - k * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let exponent = shifted
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(127)
        << 23;
    p * f32::from_bits(exponent)
}

/// `erf(x)` with absolute error below 1.5e-7 (Abramowitz & Stegun 7.1.26).
#[inline(always)]
pub fn erf_approx(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152 + t * 1.061_405_4))));
    let y = 1.0 - poly * exp_approx(-a * a);
    y.copysign(x)
}

/// BERT's exact GELU, `x·Φ(x) = x/2·(1 + erf(x/√2))`.
pub fn gelu_erf_in_place(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = 0.5 * *v * (1.0 + erf_approx(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// The tanh approximation of GELU (Gemma's `gelu_pytorch_tanh`), written as
/// `x·sigmoid(2u)` with `u = √(2/π)(x + 0.044715x³)`, which equals `x/2·(1 + tanh u)`.
pub fn gelu_tanh(x: &[f32], out: &mut [f32]) {
    const K: f32 = 2.0 * 0.797_884_6; // 2·√(2/π)
    for (o, &v) in out.iter_mut().zip(x) {
        let u = K * (v + 0.044_715 * v * v * v);
        *o = v / (1.0 + exp_approx(-u));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_and_erf_match_libm() {
        let mut worst_exp = 0f64;
        let mut worst_erf = 0f64;
        for i in -20_000..=20_000 {
            let x = i as f32 / 1000.0;
            let e = exp_approx(x) as f64;
            let want = (x as f64).exp();
            worst_exp = worst_exp.max(((e - want) / want).abs());
            let want_erf = libm_erf(x as f64);
            worst_erf = worst_erf.max((erf_approx(x) as f64 - want_erf).abs());
        }
        assert!(worst_exp < 5e-7, "exp relative error {worst_exp}");
        assert!(worst_erf < 1e-6, "erf absolute error {worst_erf}");
        assert_eq!(exp_approx(-200.0), exp_approx(-87.0));
        assert!(exp_approx(-87.0) > 0.0 && exp_approx(-87.0) < 1e-37);
    }

    /// erf from its Maclaurin series / continued fraction in f64: an independent reference.
    fn libm_erf(x: f64) -> f64 {
        if x.abs() < 3.0 {
            // Maclaurin series converges fast enough in f64 for |x| < 3.
            let mut term = x;
            let mut total = x;
            let x2 = x * x;
            for n in 1..200 {
                term *= -x2 / n as f64;
                total += term / (2 * n + 1) as f64;
            }
            total * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            // Continued fraction for erfc.
            let a = x.abs();
            let mut f = 0.0;
            for n in (1..60).rev() {
                f = (n as f64 / 2.0) / (a + f);
            }
            let erfc = (-a * a).exp() / std::f64::consts::PI.sqrt() / (a + f);
            (1.0 - erfc).copysign(x)
        }
    }

    #[test]
    fn gelu_tanh_matches_the_tanh_formula() {
        let xs: Vec<f32> = (-12_000..=12_000).map(|i| i as f32 / 1000.0).collect();
        let mut got = vec![0.0; xs.len()];
        gelu_tanh(&xs, &mut got);
        for (x, g) in xs.iter().zip(&got) {
            let x = *x as f64;
            let want = 0.5
                * x
                * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x)).tanh());
            assert!(
                (*g as f64 - want).abs() < 2e-6 * (1.0 + want.abs()),
                "gelu({x}) = {g}, want {want}"
            );
        }
    }

    #[test]
    fn lane_split_sums_match_plain_sums() {
        let a: Vec<f32> = (0..37).map(|i| i as f32 * 0.5 - 3.0).collect();
        let b: Vec<f32> = (0..37).map(|i| 1.0 - i as f32 * 0.25).collect();
        let plain_dot: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain_dot).abs() < 1e-3);
        assert!((sum(&a) - a.iter().sum::<f32>()).abs() < 1e-4);
    }
}
