//! ONNX layout ops on a [`View`]: what Transpose, Reshape, Flatten, (Un)Squeeze, Tile, Expand,
//! Slice, Gather, Resize and Upsample do to positions. Used on runtime tensors and, through
//! `Consts`, on constants.

use super::consts::{attr, int, ints, string, Consts};
use super::proto::NodeProto;
use crate::error::{ImportError, Result, Site};
use crate::view::View;

/// Whether `op` only moves values.
pub fn is_layout(op: &str) -> bool {
    matches!(
        op,
        "Identity"
            | "Dropout"
            | "Transpose"
            | "Reshape"
            | "Flatten"
            | "Squeeze"
            | "Unsqueeze"
            | "Tile"
            | "Expand"
            | "Slice"
            | "Gather"
            | "Resize"
            | "Upsample"
    )
}

/// The node's second input as a constant list of sizes, or the error `missing` makes.
fn second_usizes(
    node: &NodeProto,
    c: &mut Consts,
    site: &Site,
    missing: impl FnOnce() -> ImportError,
) -> Result<Vec<usize>> {
    c.input(node, 1, site)?.and_then(|r| r.as_usizes()).ok_or_else(missing)
}

/// Applies layout op `node` to `v` (its first input); other inputs are constants.
pub fn apply(node: &NodeProto, site: &Site, v: &View, c: &mut Consts) -> Result<View> {
    let op = node.op_type.as_deref().unwrap_or("");
    let rank = v.shape.len();
    let bad = |what: &str| site.err(format!("{what} (input shape {:?})", v.shape));
    let out = match op {
        "Identity" | "Dropout" => Some(v.clone()),
        "Transpose" => {
            let perm = ints(node, "perm");
            let perm: Vec<usize> = if perm.is_empty() {
                (0..rank).rev().collect()
            } else {
                perm.iter().map(|&p| p as usize).collect()
            };
            v.transpose(&perm)
        }
        "Reshape" => reshape(node, site, v, c)?,
        "Flatten" => {
            let axis =
                axis(int(node, "axis", 1), rank).ok_or_else(|| bad("has an axis out of range"))?;
            let outer = v.shape[..axis].iter().product();
            v.reshape(&[outer, v.numel() / outer.max(1)])
        }
        "Squeeze" => squeeze(node, site, v, c)?,
        "Unsqueeze" => unsqueeze(node, site, v, c)?,
        "Tile" => v.tile(&second_usizes(node, c, site, || bad("has no constant repeats"))?),
        "Expand" => v.expand(&second_usizes(node, c, site, || bad("has no constant shape"))?),
        "Slice" => slice(node, site, v, c)?,
        "Gather" => {
            let a =
                axis(int(node, "axis", 0), rank).ok_or_else(|| bad("has an axis out of range"))?;
            let ix = c.input(node, 1, site)?.ok_or_else(|| bad("has no constant indices"))?;
            let dim = v.shape[a] as i64;
            let picks: Option<Vec<usize>> = ix
                .as_i64s()
                .map(|i| i.iter().map(|&k| if k < 0 { k + dim } else { k } as usize).collect());
            let picks = picks.ok_or_else(|| bad("has non-integer indices"))?;
            match ix.shape.len() {
                0 => v.gather(a, &picks, false),
                1 => v.gather(a, &picks, true),
                _ => return Err(bad("gathers with multi-dimensional indices")),
            }
        }
        "Resize" | "Upsample" => resize(node, site, v, c)?,
        _ => return Err(site.err("is not a layout op")),
    };
    out.ok_or_else(|| bad("does not fit its input"))
}

/// An integer list given as input `k` (opset ≥ 13 style) or as attribute `attr_name`.
fn int_list(
    node: &NodeProto,
    site: &Site,
    c: &mut Consts,
    k: usize,
    attr_name: &str,
) -> Result<Option<Vec<i64>>> {
    match c.input(node, k, site)? {
        Some(t) => t.as_i64s().map(Some).ok_or_else(|| site.err("has a non-integer list input")),
        None if attr(node, attr_name).is_some() => Ok(Some(ints(node, attr_name))),
        None => Ok(None),
    }
}

/// Reshape: `0` copies the input's size on that axis (unless `allowzero`), `-1` is inferred.
fn reshape(node: &NodeProto, site: &Site, v: &View, c: &mut Consts) -> Result<Option<View>> {
    let bad = |what: &str| site.err(format!("{what} (input shape {:?})", v.shape));
    let spec = int_list(node, site, c, 1, "shape")?.ok_or_else(|| bad("has no target shape"))?;
    let allow_zero = int(node, "allowzero", 0) != 0;
    let mut shape = Vec::new();
    let mut infer = None;
    for (a, &d) in spec.iter().enumerate() {
        match d {
            -1 => infer = Some(a),
            0 if !allow_zero => {
                shape.push(*v.shape.get(a).ok_or_else(|| bad("copies a missing axis"))?)
            }
            d if d >= 0 => shape.push(d as usize),
            _ => return Err(bad("has a negative size")),
        }
        if d == -1 {
            shape.push(1);
        }
    }
    if let Some(a) = infer {
        let rest: usize = shape.iter().product();
        shape[a] = v.numel() / rest.max(1);
    }
    Ok(v.reshape(&shape))
}

/// Squeeze: drops the given axes (all of size 1), or every axis of size 1.
fn squeeze(node: &NodeProto, site: &Site, v: &View, c: &mut Consts) -> Result<Option<View>> {
    let rank = v.shape.len();
    let bad = |what: &str| site.err(format!("{what} (input shape {:?})", v.shape));
    let axes: Vec<usize> = match int_list(node, site, c, 1, "axes")? {
        Some(a) => a
            .iter()
            .map(|&a| axis(a, rank))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("has an axis out of range"))?,
        None => (0..rank).filter(|&a| v.shape[a] == 1).collect(),
    };
    let mut keep = Vec::new();
    for (a, &d) in v.shape.iter().enumerate() {
        if !axes.contains(&a) {
            keep.push(d);
        } else if d != 1 {
            return Err(bad("squeezes an axis whose size is not 1"));
        }
    }
    Ok(v.reshape(&keep))
}

/// Unsqueeze: inserts axes of size 1 at the given output positions.
fn unsqueeze(node: &NodeProto, site: &Site, v: &View, c: &mut Consts) -> Result<Option<View>> {
    let bad = |what: &str| site.err(format!("{what} (input shape {:?})", v.shape));
    let axes = int_list(node, site, c, 1, "axes")?.ok_or_else(|| bad("has no axes"))?;
    let out_rank = v.shape.len() + axes.len();
    let mut axes: Vec<usize> = axes
        .iter()
        .map(|&a| axis(a, out_rank))
        .collect::<Option<_>>()
        .ok_or_else(|| bad("has an axis out of range"))?;
    axes.sort_unstable();
    let mut shape = v.shape.clone();
    for a in axes {
        shape.insert(a.min(shape.len()), 1);
    }
    Ok(v.reshape(&shape))
}

/// A possibly negative axis of a tensor of rank `rank`.
pub fn axis(a: i64, rank: usize) -> Option<usize> {
    let a = if a < 0 { a + rank as i64 } else { a };
    (0..rank as i64).contains(&a).then_some(a as usize)
}

fn slice(node: &NodeProto, site: &Site, v: &View, c: &mut Consts) -> Result<Option<View>> {
    let get = |c: &mut Consts, k: usize, name: &str| -> Result<Option<Vec<i64>>> {
        match c.input(node, k, site)? {
            Some(t) => Ok(t.as_i64s()),
            None => Ok(attr(node, name).map(|a| a.ints.clone())),
        }
    };
    let starts = get(c, 1, "starts")?.ok_or_else(|| site.err("has no starts"))?;
    let ends = get(c, 2, "ends")?.ok_or_else(|| site.err("has no ends"))?;
    let axes = get(c, 3, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = get(c, 4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
    let mut out = v.clone();
    for k in 0..starts.len() {
        let a =
            axis(axes[k], v.shape.len()).ok_or_else(|| site.err("slices an axis out of range"))?;
        if steps[k] < 1 {
            return Err(site.err("slices backwards").help("tinyae follows forward slices only"));
        }
        let dim = v.shape[a] as i64;
        let clamp = |x: i64| (if x < 0 { x + dim } else { x }).clamp(0, dim) as usize;
        let Some(next) = out.slice(a, clamp(starts[k]), clamp(ends[k]), steps[k] as usize) else {
            return Ok(None);
        };
        out = next;
    }
    Ok(Some(out))
}

fn resize(node: &NodeProto, site: &Site, v: &View, c: &mut Consts) -> Result<Option<View>> {
    let op = node.op_type.as_deref().unwrap_or("");
    let mode = string(node, "mode", "nearest");
    if mode != "nearest" {
        return Err(site.err(format!("uses mode `{mode}`")).help("tinyae upsamples by nearest neighbour only: use mode=\"nearest\" (Keras UpSampling2D's default, nn.Upsample(mode=\"nearest\"))"));
    }
    // Opset 10 Resize and Upsample take (X, scales); opset 11+ Resize (X, roi, scales, sizes).
    let (scales, sizes) = if op == "Upsample" || node.input.len() == 2 {
        (c.input(node, 1, site)?, None)
    } else {
        (c.input(node, 2, site)?, c.input(node, 3, site)?)
    };
    let out: Vec<usize> = match (sizes, scales) {
        (Some(s), _) if !s.data.is_empty() => {
            s.as_usizes().ok_or_else(|| site.err("has bad sizes"))?
        }
        (_, Some(s)) if s.data.len() == v.shape.len() => {
            v.shape.iter().zip(&s.data).map(|(&d, &f)| (d as f64 * f).floor() as usize).collect()
        }
        _ => return Err(site.err("has neither scales nor sizes for every axis")),
    };
    let transform = if op == "Upsample" {
        "asymmetric".to_owned()
    } else {
        string(node, "coordinate_transformation_mode", "half_pixel")
    };
    let rounding = if op == "Upsample" {
        "floor".to_owned()
    } else {
        string(node, "nearest_mode", "round_prefer_floor")
    };
    if !matches!(
        transform.as_str(),
        "asymmetric"
            | "half_pixel"
            | "pytorch_half_pixel"
            | "align_corners"
            | "tf_half_pixel_for_nn"
    ) {
        return Err(site
            .err(format!("uses coordinate_transformation_mode `{transform}`"))
            .help("export nearest upsampling with the asymmetric or half_pixel transformation"));
    }
    let mut maps = Vec::new();
    for (&o, &i) in out.iter().zip(&v.shape) {
        let scale = o as f64 / i as f64;
        let map = (0..o)
            .map(|x| {
                let x = x as f64;
                let src = match transform.as_str() {
                    "asymmetric" => x / scale,
                    "half_pixel" | "pytorch_half_pixel" => (x + 0.5) / scale - 0.5,
                    "align_corners" if o > 1 => x * (i as f64 - 1.0) / (o as f64 - 1.0),
                    "align_corners" => 0.0,
                    "tf_half_pixel_for_nn" => (x + 0.5) / scale,
                    _ => f64::NAN,
                };
                let k = match rounding.as_str() {
                    "floor" => src.floor(),
                    "ceil" => src.ceil(),
                    "round_prefer_ceil" => (src + 0.5).floor(),
                    _ => (src - 0.5).ceil(),
                };
                k.clamp(0.0, i as f64 - 1.0) as usize
            })
            .collect::<Vec<_>>();
        maps.push(map);
    }
    Ok(v.remap(&out, &maps))
}
