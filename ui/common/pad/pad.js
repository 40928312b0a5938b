// The latent pad: sliders whose garment is decoded in the browser on every animation frame.
//
// The decoder is the package's own, described as a layer list (ui/common/pad/decoder_spec.py)
// and interpreted here in plain JavaScript; its float16 weights arrive once per browser session.
// Python stays the source of truth: the pad reports z as the "z" state value (throttled while a
// slider moves, at once on release) and the server's own changes of z arrive as {seq, values},
// applied once per seq and never in the middle of a drag.
//
// Those changes and the slider guides come through a second, tiny element, the "feed"
// (component.py), so that this element's data stays byte-identical after the weights have been
// acknowledged: Streamlit then sends it as a 75-byte reference instead of 30 kB of JS and data.
//
// This file is read as text by component.py and never formatted with per-run values: one text is
// one ES module whose state (the weights, each pad's z) survives reruns and page switches.

const REPORT_MS = 150; // at most one report per this many ms while a slider moves
const RESEND_MS = 6000; // a released value the server has not taken by then is reported again
const FILM_FRAMES = 7;
const SVG_NS = "http://www.w3.org/2000/svg";

const decoders = new Map(); // spec hash -> Decoder (weights parsed once per page load)
const pads = new Map(); // component key -> pad state (survives reruns and remounts)
const feeds = (window.__latentPadFeeds = window.__latentPadFeeds || {}); // key -> {set, guides}
window.addEventListener("latent-pad-feed", (ev) => {
  const pad = pads.get(ev.detail);
  const feed = feeds[ev.detail];
  const sig = JSON.stringify([feed.set, feed.guides, feed.ends]); // (a new "taken" alone changes nothing shown)
  if (!pad || !pad.root || sig === pad.feedSig) return;
  pad.feedSig = sig;
  refresh(pad);
});

// ------------------------------------------------------------------ float16 weights
let HALF = null;
function halfTable() {
  if (HALF) return HALF;
  HALF = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    HALF[h] = e === 0 ? sign * f * 2 ** -24 : e === 31 ? (f ? NaN : sign * Infinity) : sign * (1 + f / 1024) * 2 ** (e - 15);
  }
  return HALF;
}

// The weights column as raw float16 bits: an Arrow table (numpy array in data), or a plain array.
function halfBits(weights) {
  if (weights && typeof weights.getChildAt === "function") {
    const names = weights.schema.fields.map((f) => f.name);
    const at = Math.max(0, names.findIndex((n) => !n.startsWith("__index")));
    return weights.getChildAt(at).toArray();
  }
  return Uint16Array.from(weights);
}

function parseWeights(weights, expected) {
  const bits = halfBits(weights);
  if (bits.length !== expected) throw new Error(`expected ${expected} weights, got ${bits.length}`);
  const table = halfTable();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

// ------------------------------------------------------------------ the interpreter
// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): GELU(x) = x/2 (1 + erf(x / sqrt 2)).
function erf(x) {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

function gelu(x, n, tanhForm) {
  if (tanhForm) {
    const c = Math.sqrt(2 / Math.PI);
    for (let i = 0; i < n; i++) { const v = x[i]; x[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v))); }
  } else {
    for (let i = 0; i < n; i++) { const v = x[i]; x[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2)); }
  }
}

// The three heavy layers as one kernel, gemm(out, a, b, m, n, k): out[i*n + j] = a[i] . b[j]
// for rows of k floats. WebAssembly SIMD (4 lanes) runs it about ten times faster than plain
// JavaScript; a browser without it gets the same arithmetic in JavaScript.
const WASM_GEMM = (() => {
  // The module's bytes, assembled here (no binary blob, no toolchain): one function,
  // gemm(out, a, b, m, n, k) with byte pointers into the imported memory env.mem.
  const u = (n) => { const o = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
  const i32 = (v) => { const o = [0x41]; for (;;) { const b = v & 0x7f; v >>= 7; if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...o, b]; o.push(b | 0x80); } };
  const str = (t) => [...u(t.length), ...Array.from(t, (c) => c.charCodeAt(0))];
  const section = (id, b) => [id, ...u(b.length), ...b];
  const get = (i) => [0x20, i], set = (i) => [0x21, i];
  const ADD = 0x6a, MUL = 0x6c, AND = 0x71, SHL = 0x74, GE_U = 0x4f, F_ADD = 0x92, F_MUL = 0x94;
  const simd = (op) => [0xfd, ...u(op)];
  const V_LOAD = (offset) => [...simd(0x00), 0, ...u(offset)], V_ZERO = [...simd(0x0c), ...new Array(16).fill(0)];
  const V_ADD = simd(0xe4), V_MUL = simd(0xe6), lane = (i) => [...simd(0x1f), i];
  const [OUT, A, B, M, N, K, KB, AROW, AEND, O, BROW, BEND, PA, PB, END8, END4, ENDK, ACC0, ACC1, SUM] =
    Array.from({ length: 20 }, (_, i) => i);
  // while (p < end) { body }   as   block loop (br_if 1 (p >= end)) body (br 0) end end
  const whileLess = (p, end, body) => [0x02, 0x40, 0x03, 0x40, ...get(p), ...get(end), GE_U, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];
  const bump = (p, bytes) => [...get(p), ...i32(bytes), ADD, ...set(p)];
  const next = (p) => [...get(p), ...get(KB), ADD, ...set(p)]; // p += one row
  const mac = (acc, offset) => [...get(acc), ...get(PA), ...V_LOAD(offset), ...get(PB), ...V_LOAD(offset), ...V_MUL, ...V_ADD, ...set(acc)];
  const rowEnd = (multiple) => [...get(AROW), ...get(K), ...i32(-multiple), AND, ...i32(2), SHL, ADD];
  const body = [
    ...get(K), ...i32(2), SHL, ...set(KB),
    ...get(A), ...set(AROW), ...get(A), ...get(M), ...get(KB), MUL, ADD, ...set(AEND),
    ...get(B), ...get(N), ...get(KB), MUL, ADD, ...set(BEND),
    ...get(OUT), ...set(O),
    ...whileLess(AROW, AEND, [
      ...get(AROW), ...get(KB), ADD, ...set(ENDK), ...rowEnd(8), ...set(END8), ...rowEnd(4), ...set(END4),
      ...get(B), ...set(BROW),
      ...whileLess(BROW, BEND, [
        ...get(AROW), ...set(PA), ...get(BROW), ...set(PB), ...V_ZERO, ...set(ACC0), ...V_ZERO, ...set(ACC1),
        ...whileLess(PA, END8, [...mac(ACC0, 0), ...mac(ACC1, 16), ...bump(PA, 32), ...bump(PB, 32)]),
        ...whileLess(PA, END4, [...mac(ACC0, 0), ...bump(PA, 16), ...bump(PB, 16)]),
        ...get(ACC0), ...get(ACC1), ...V_ADD, ...set(ACC0),
        ...get(ACC0), ...lane(0), ...get(ACC0), ...lane(1), F_ADD, ...get(ACC0), ...lane(2), F_ADD, ...get(ACC0), ...lane(3), F_ADD, ...set(SUM),
        ...whileLess(PA, ENDK, [...get(SUM), ...get(PA), 0x2a, 2, 0, ...get(PB), 0x2a, 2, 0, F_MUL, F_ADD, ...set(SUM), ...bump(PA, 4), ...bump(PB, 4)]),
        ...get(O), ...get(SUM), 0x38, 2, 0, ...bump(O, 4), ...next(BROW),
      ]),
      ...next(AROW),
    ]),
    0x0b,
  ];
  const locals = [3, 11, 0x7f, 2, 0x7b, 1, 0x7d]; // 11 i32, 2 v128, 1 f32
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, ...str("env"), ...str("mem"), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str("gemm"), 0x00, 0]),
    ...section(10, [1, ...u(locals.length + body.length), ...locals, ...body]),
  ]);
})();

let gemmModule; // the compiled module; null where WebAssembly SIMD is missing
function wasmGemm() {
  if (gemmModule === undefined) {
    try {
      gemmModule = window.__latentPadKernel === "js" ? null : new WebAssembly.Module(WASM_GEMM);
    } catch (err) {
      gemmModule = null;
    }
  }
  return gemmModule;
}

// The same product in JavaScript (four accumulators: the adds do not wait on each other).
function gemmJs(F, out, a, b, m, n, k) {
  for (let i = 0; i < m; i++) {
    const ar = a + i * k;
    for (let j = 0; j < n; j++) {
      const br = b + j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
      for (; t + 3 < k; t += 4) {
        s0 += F[ar + t] * F[br + t];
        s1 += F[ar + t + 1] * F[br + t + 1];
        s2 += F[ar + t + 2] * F[br + t + 2];
        s3 += F[ar + t + 3] * F[br + t + 3];
      }
      for (; t < k; t++) s0 += F[ar + t] * F[br + t];
      F[out + i * n + j] = s0 + s1 + s2 + s3;
    }
  }
}

function addBias(out, w, L) {
  if (L.b < 0) return;
  const c = L.out[0], plane = size(L.out) / c;
  for (let co = 0; co < c; co++) {
    const bias = w[L.b + co];
    for (let p = co * plane, e = p + plane; p < e; p++) out[p] += bias;
  }
}

// Linear: out = W x + b, as a 1-row product with W's rows.
function linear(d, x, out, L) {
  d.gemm(out, x, d.w.subarray(L.w), 1, L.out[0], L.in[0]);
  addBias(out, d.w, L);
}

// Conv2d as im2col: one K-long patch per output pixel (cols, P x K), then out = W . cols.
function conv(d, x, out, L) {
  const [cin, h, wd] = L.in, [cout, ho, wo] = L.out;
  const [kh, kw] = L.k, [sh, sw] = L.stride, [ph, pw] = L.padding;
  const cols = d.cols;
  let c = 0;
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      for (let ci = 0; ci < cin; ci++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ph + ky;
          const inside = iy >= 0 && iy < h;
          const rb = (ci * h + iy) * wd;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pw + kx;
            cols[c++] = inside && ix >= 0 && ix < wd ? x[rb + ix] : 0;
          }
        }
      }
    }
  }
  d.gemm(out, d.w.subarray(L.w), cols, cout, ho * wo, cin * kh * kw);
  addBias(out, d.w, L);
}

// ConvTranspose2d: every input pixel's contribution to each (output channel, kernel offset),
// t = W^T . x (weights transposed to (cout kh kw) x cin rows when the decoder is built), then
// added into a full-size grid at its place and cropped by the padding.
function convT(d, x, out, L) {
  const [cin, h, wd] = L.in, [cout, ho, wo] = L.out;
  const [kh, kw] = L.k, [sh, sw] = L.stride, [ph, pw] = L.padding;
  const Hf = (h - 1) * sh + kh + L.output_padding[0], Wf = (wd - 1) * sw + kw + L.output_padding[1];
  const P = h * wd, plane = Hf * Wf, xt = d.cols, t = d.tmp, full = d.full;
  for (let ci = 0; ci < cin; ci++) for (let p = 0; p < P; p++) xt[p * cin + ci] = x[ci * P + p];
  d.gemm(t, d.w.subarray(L.w), xt, cout * kh * kw, P, cin);
  full.fill(0, 0, cout * plane);
  let j = 0;
  for (let co = 0; co < cout; co++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++, j++) {
        const tb = j * P, ob = co * plane + ky * Wf + kx;
        for (let iy = 0; iy < h; iy++) {
          const row = ob + iy * sh * Wf, tr = tb + iy * wd;
          for (let ix = 0; ix < wd; ix++) full[row + ix * sw] += t[tr + ix];
        }
      }
    }
  }
  for (let co = 0; co < cout; co++) {
    for (let oy = 0; oy < ho; oy++) {
      const src = co * plane + (oy + ph) * Wf + pw, dst = (co * ho + oy) * wo;
      for (let ox = 0; ox < wo; ox++) out[dst + ox] = full[src + ox];
    }
  }
  addBias(out, d.w, L);
}

const size = (shape) => shape.reduce((a, b) => a * b, 1);

class Decoder {
  // All arrays live in one Float32Array (WebAssembly memory when the kernel is there): the
  // weights, with each ConvTranspose2d's transposed to ((cout kh kw) x cin) rows, then two
  // activation buffers, the patch/transpose buffer, the product and the full-size grid.
  constructor(spec, weights) {
    this.spec = spec;
    let big = spec.latent_dim, full = 1, cols = 1, tmp = 1;
    for (const L of spec.layers) {
      big = Math.max(big, size(L.in), size(L.out));
      if (L.op === "convT") {
        const [cin, h, wd] = L.in;
        full = Math.max(full, L.out[0] * ((h - 1) * L.stride[0] + L.k[0] + L.output_padding[0]) * ((wd - 1) * L.stride[1] + L.k[1] + L.output_padding[1]));
        cols = Math.max(cols, cin * h * wd);
        tmp = Math.max(tmp, L.out[0] * L.k[0] * L.k[1] * h * wd);
      }
      if (L.op === "conv") cols = Math.max(cols, L.out[1] * L.out[2] * L.in[0] * L.k[0] * L.k[1]);
    }
    const parts = [weights.length, big, big, cols, tmp, full];
    const starts = [];
    let total = 0;
    for (const n of parts) { starts.push(total); total += (n + 3) & ~3; } // 16-byte aligned
    const module = wasmGemm();
    let F;
    if (module) {
      const memory = new WebAssembly.Memory({ initial: Math.ceil((4 * total) / 65536) });
      const gemm = new WebAssembly.Instance(module, { env: { mem: memory } }).exports.gemm;
      F = new Float32Array(memory.buffer);
      this.gemm = (out, a, b, m, n, k) => gemm(out.byteOffset, a.byteOffset, b.byteOffset, m, n, k);
      this.kernel = "wasm-simd";
    } else {
      F = new Float32Array(total);
      this.gemm = (out, a, b, m, n, k) => gemmJs(F, out.byteOffset >> 2, a.byteOffset >> 2, b.byteOffset >> 2, m, n, k);
      this.kernel = "js";
    }
    const [w, a, b, c, t, f] = parts.map((n, i) => F.subarray(starts[i], starts[i] + n));
    Object.assign(this, { w, a, b, cols: c, tmp: t, full: f });
    w.set(weights);
    for (const L of spec.layers) {
      if (L.op !== "convT") continue;
      const cin = L.in[0], J = L.out[0] * L.k[0] * L.k[1], orig = weights.subarray(L.w, L.w + cin * J);
      for (let ci = 0; ci < cin; ci++) for (let j = 0; j < J; j++) w[L.w + j * cin + ci] = orig[ci * J + j];
    }
    [this.channels, this.height, this.width] = spec.out;
  }

  // Pixel values in [0, 1], planar (C, H, W), for z (length latent_dim).
  decode(z) {
    let x = this.a, y = this.b;
    x.set(z);
    for (const L of this.spec.layers) {
      const n = size(L.out);
      switch (L.op) {
        case "linear": linear(this, x, y, L); [x, y] = [y, x]; break;
        case "convT": convT(this, x, y, L); [x, y] = [y, x]; break;
        case "conv": conv(this, x, y, L); [x, y] = [y, x]; break;
        case "gelu": gelu(x, n, L.approximate === "tanh"); break;
        case "relu": for (let i = 0; i < n; i++) if (x[i] < 0) x[i] = 0; break;
        case "sigmoid": for (let i = 0; i < n; i++) x[i] = 1 / (1 + Math.exp(-x[i])); break;
        case "tanh": for (let i = 0; i < n; i++) x[i] = Math.tanh(x[i]); break;
        case "unflatten": break;
        default: throw new Error(`unknown layer ${L.op}`);
      }
    }
    return x;
  }

  // Decode z into an ImageData (grey for one channel, RGB for three), rounding as the server does.
  draw(z, image) {
    const x = this.decode(z), px = image.data, plane = this.height * this.width;
    const byte = (v) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.floor(v * 255 + 0.5));
    for (let p = 0; p < plane; p++) {
      const r = byte(x[p]);
      px[4 * p] = r;
      px[4 * p + 1] = this.channels === 3 ? byte(x[plane + p]) : r;
      px[4 * p + 2] = this.channels === 3 ? byte(x[2 * plane + p]) : r;
      px[4 * p + 3] = 255;
    }
    return image;
  }
}

// ------------------------------------------------------------------ the pad
const fmt = (v) => (Math.round(v * 100) / 100).toFixed(2);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const round3 = (v) => Math.round(v * 1000) / 1000 + 0;

function newPad(key) {
  return {
    key, root: null, data: null, decoder: null, values: [], range: 3, seq: -1, n: 0,
    dragging: false, frame: 0, timer: 0, lastReport: 0, reported: null, film: new Set(),
    setStateValue: () => {}, decodeMs: [], frames: 0, resend: 0, resent: 0,
    playing: false, playFrame: 0, playLast: 0, playDir: 1, speed: 2, pingpong: true, playStats: null,
  };
}

// z on a piecewise-linear path through points, at t in [0, points - 1] (integers are the points).
function pathZ(points, t, d) {
  const z = new Float64Array(d);
  t = Math.min(Math.max(t, 0), points.length - 1);
  const i = Math.max(Math.min(Math.floor(t), points.length - 2), 0), f = t - i;
  const p = points[i], q = points[Math.min(i + 1, points.length - 1)];
  for (let j = 0; j < d; j++) z[j] = p[j] + f * (q[j] - p[j]);
  return z;
}

// The z of each garment from the slider values: one dimension per slider ("dims", where a slider
// with a "dir" moves z along that unit direction of the map: z += t dir), base + sum_j t_j dir_j
// ("affine"), or one garment per path, all moved by one slider ("paths").
function zsOf(pad, values) {
  const m = pad.data.map;
  const d = pad.data.latent_dim;
  if (m.kind === "paths") return m.paths.map((points) => pathZ(points, values[0], d));
  const z = new Float64Array(d);
  if (m.kind === "dims") {
    pad.data.sliders.forEach((s, i) => { if (s.dim >= 0) z[s.dim] = values[i]; });
    pad.data.sliders.forEach((s, i) => {
      const dir = s.dir >= 0 && m.dirs ? m.dirs[s.dir] : null;
      if (dir && values[i]) for (let j = 0; j < d; j++) z[j] += values[i] * dir[j];
    });
  } else if (m.kind === "affine") {
    for (let j = 0; j < d; j++) z[j] = m.base[j];
    m.dirs.forEach((dir, i) => { for (let j = 0; j < d; j++) z[j] += values[i] * dir[j]; });
  }
  return [z];
}
const zOf = (pad, values) => zsOf(pad, values)[0]; // the first (or only) garment's z
const isDir = (pad, i) => pad.data.map.kind === "dims" && pad.data.sliders[i].dir >= 0;

// Direction sliders rest at 0: once let go, the move is written into the dimension sliders (the
// garment does not change, but for the rounding to the 3 decimals links keep) and the direction
// slider returns to the middle, ready for the next one.
function bake(pad) {
  if (!pad.values.some((v, i) => v && isDir(pad, i))) return;
  const z = zOf(pad, pad.values);
  pad.values = pad.values.map((v, i) => (isDir(pad, i) ? 0 : round3(z[pad.data.sliders[i].dim]))); // (as the server keeps z)
  schedule(pad);
}

// What each slider shows: its value; a dimension slider shows the garment's coordinate while a
// direction slider moves it.
function shownValues(pad) {
  if (!pad.values.some((v, i) => v && isDir(pad, i))) return pad.values;
  const z = zOf(pad, pad.values);
  return pad.values.map((v, i) => (isDir(pad, i) ? v : z[pad.data.sliders[i].dim]));
}

// [min, max, keyboard step, pointer step] of slider i: the pointer moves in fine steps (a
// coarse step would hold the garment still between steps while the hand moves on), the arrow
// keys in the coarse one, Page Up/Down in ten of them.
function bounds(pad, i) {
  const s = pad.data.sliders[i];
  return pad.data.ranges ? [-pad.range, pad.range, pad.data.step, pad.data.fine] : [s.min, s.max, s.step, s.fine];
}

const KEY_STEPS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 10, PageDown: -10 };

// The value a key moves slider i to (null for other keys), on the slider's fine grid.
function keyValue(pad, i, key) {
  const [lo, hi, step, fine] = bounds(pad, i);
  if (key === "Home") return lo;
  if (key === "End") return hi;
  if (!(key in KEY_STEPS)) return null;
  const v = Math.round((pad.values[i] + KEY_STEPS[key] * step) / fine) * fine;
  return Math.min(Math.max(Math.round(v * 1e6) / 1e6, lo), hi);
}

function report(pad, final) {
  useWeights(pad); // a browser that lost the weights says so with its next report
  if (final) bake(pad);
  clearTimeout(pad.timer);
  pad.timer = 0;
  pad.n += 1;
  pad.lastReport = performance.now();
  const values = pad.values.map(round3);
  const message = { values, z: Array.from(zOf(pad, values), round3), range: pad.range, final, n: pad.n, seq: pad.seq };
  if (pad.lose) pad.lose = false; // (tests: this report is lost on the way)
  else pad.setStateValue("z", message);
  // Under load a report can go unanswered (about 1 in 250 steps with ten busy sessions): the feed
  // says which report the server took last, and the released value is sent again until it is.
  clearTimeout(pad.resend);
  if (final) {
    pad.resend = setTimeout(() => {
      if (pad.root && !pad.dragging && takenOf(pad) < pad.n) { pad.resent += 1; report(pad, true); }
    }, RESEND_MS);
  }
}

// The number of this pad's last report the server has taken (its feed says; 0 before any).
function takenOf(pad) {
  return (feeds[pad.key] && feeds[pad.key].taken) || 0;
}

// While a slider moves: at most one report per REPORT_MS, the last one delayed, never dropped.
function reportSoon(pad) {
  const wait = REPORT_MS - (performance.now() - pad.lastReport);
  if (wait <= 0) report(pad, false);
  else if (!pad.timer) pad.timer = setTimeout(() => report(pad, false), wait);
}

// Slider i's input, label and aria-valuetext show its value (the DOM is touched only where it changed).
function showValue(pad, i, shown) {
  const v = shown ? shown[i] : pad.values[i], input = pad.root.inputs[i], output = pad.root.outputs[i], text = fmt(v);
  if (Number(input.value) !== v) input.value = String(v);
  if (output.textContent !== text) {
    input.setAttribute("aria-valuetext", text);
    output.textContent = text;
  }
}

function paint(pad) {
  pad.frame = 0;
  if (!pad.root || !pad.values.length) return;
  const r = pad.root;
  const shown = shownValues(pad);
  pad.values.forEach((_, i) => showValue(pad, i, shown));
  if (pad.decoder) {
    const t0 = performance.now();
    zsOf(pad, pad.values).forEach((z, g) => {
      pad.decoder.draw(z, r.images[g]);
      r.ctxs[g].putImageData(r.images[g], 0, 0);
    });
    pad.decodeMs.push(performance.now() - t0);
    if (pad.decodeMs.length > 240) pad.decodeMs.shift();
    pad.frames += 1;
    r.canvas.dataset.frames = String(pad.frames);
  }
  showCells(pad);
}

function schedule(pad) {
  if (!pad.frame) pad.frame = requestAnimationFrame(() => paint(pad));
}

function setRange(pad, a, clamp) {
  pad.range = a;
  if (clamp) pad.values = pad.values.map((v) => Math.min(Math.max(v, -a), a));
  if (!pad.root) return;
  pad.root.inputs.forEach((input, i) => {
    const [lo, hi, , fine] = bounds(pad, i);
    input.min = String(lo); input.max = String(hi); input.step = String(fine);
  });
  pad.root.radios.forEach((radio) => { radio.checked = Number(radio.value) === a; });
  drawGuides(pad);
  pad.film.forEach((i) => drawFilm(pad, i));
}

// The names of each slider's two ends ("Pullover ◂", "▸ Sneaker"), when the feed brings them.
function drawEnds(pad) {
  const ends = feeds[pad.key] && feeds[pad.key].ends;
  pad.root.ends.forEach((row, i) => {
    const e = ends && ends[i];
    row.hidden = !e;
    if (!e) return;
    row.firstChild.textContent = `${e.lo} ◂`;
    row.lastChild.textContent = `▸ ${e.hi}`;
    row.title = e.title || "";
  });
}

// The likelihood track behind each slider: a strip shaded by the typicality percentile the
// garment would have at each position (positions spread evenly over -range..range).
function drawGuides(pad) {
  const g = feeds[pad.key] && feeds[pad.key].guides;
  pad.root.tracks.forEach((track, i) => {
    const row = g && g.range === pad.range ? g.tracks[i] : null;
    if (!row) { track.style.backgroundImage = ""; return; }
    const stops = row.map((p, k) => `rgba(var(--la-guide-rgb), ${(0.08 + 0.72 * p / 100).toFixed(3)}) ${(100 * k / (row.length - 1)).toFixed(2)}%`);
    track.style.backgroundImage = `linear-gradient(to right, ${stops.join(", ")})`;
  });
}

function drawFilm(pad, i) {
  const strip = pad.root.films[i];
  if (!pad.decoder || !pad.film.has(i)) { strip.hidden = true; return; }
  strip.hidden = false;
  const [lo, hi] = bounds(pad, i);
  const frames = strip.querySelectorAll("canvas");
  frames.forEach((canvas, f) => {
    const t = lo + (hi - lo) * f / (FILM_FRAMES - 1);
    const values = pad.values.slice();
    values[i] = t;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(canvas.width, canvas.height);
    ctx.putImageData(pad.decoder.draw(zOf(pad, values), image), 0, 0);
    canvas.dataset.value = String(round3(t));
    canvas.parentElement.title = `${pad.data.sliders[i].name} = ${fmt(t)}: click to move the slider here`;
  });
}

function release(pad) {
  if (!pad.dragging) return;
  pad.dragging = false;
  pad.keyed = false;
  if (pad.data.snap) { // a slider of discrete stops (walk frames) comes to rest on the nearest one
    pad.values = pad.values.map((v, i) => { const [lo, , step] = bounds(pad, i); return lo + Math.round((v - lo) / step) * step; });
    schedule(pad);
  }
  report(pad, true);
  pad.film.forEach((i) => drawFilm(pad, i));
}

function build(pad, parent) {
  const data = pad.data;
  const root = el("div", "la-pad");
  root.dataset.key = pad.key;
  const controls = el("div", "la-pad-controls");
  const r = { root, inputs: [], outputs: [], tracks: [], films: [], radios: [], ends: [] };

  if (data.ranges) {
    const group = el("div", "la-pad-ranges");
    group.setAttribute("role", "radiogroup");
    group.setAttribute("aria-label", "Slider range");
    group.appendChild(el("span", "la-pad-ranges-label", "Slider range"));
    for (const a of data.ranges) {
      const label = el("label", "la-pad-range");
      const radio = el("input");
      radio.type = "radio";
      radio.name = `${pad.key}-range`;
      radio.value = String(a);
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        setRange(pad, a, true);
        schedule(pad);
        report(pad, true);
      });
      label.append(radio, el("span", "", `±${a}`));
      label.title = data.range_help || "";
      group.appendChild(label);
      r.radios.push(radio);
    }
    controls.appendChild(group);
  }

  const list = el("div", "la-pad-sliders");
  data.sliders.forEach((s, i) => {
    const row = el("div", `la-pad-row${s.active === false ? " la-pad-inactive" : ""}`);
    const id = `${pad.key}-s${i}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const head = el("div", "la-pad-head");
    const label = el("label", "la-pad-label", s.label);
    label.htmlFor = id;
    label.title = s.help || "";
    const output = el("output", "la-pad-value");
    output.htmlFor = id;
    head.append(label, output);
    if (data.film) {
      const btn = el("button", "la-pad-film-btn", "▸▸");
      btn.type = "button";
      btn.title = `Filmstrip: what ${s.name} does from the current garment`;
      btn.setAttribute("aria-label", `Show a filmstrip of ${s.name}`);
      btn.setAttribute("aria-expanded", "false");
      btn.addEventListener("click", () => {
        if (pad.film.has(i)) pad.film.delete(i); else pad.film.add(i);
        btn.setAttribute("aria-expanded", String(pad.film.has(i)));
        btn.classList.toggle("la-on", pad.film.has(i));
        drawFilm(pad, i);
      });
      head.appendChild(btn);
    }
    const track = el("div", "la-pad-track");
    const input = el("input", "la-pad-input");
    input.type = "range";
    input.id = id;
    input.setAttribute("aria-label", s.aria || s.label);
    // A pointer's value only: the DOM (its label, aria-valuetext) follows in the next animation
    // frame (written per mouse move, it made each following move lay out the page again). A key's
    // value is written at once too, for screen readers.
    const setValue = (v, now) => {
      pad.values[i] = v;
      if (now && pad.root) showValue(pad, i);
      schedule(pad);
    };
    input.addEventListener("pointerdown", () => { setPlaying(pad, false); pad.dragging = true; pad.keyed = false; });
    // Keys step on the coarse grid; one press reports once, on keyup (a held key reports as a drag;
    // the keyup is heard on the window, in case a rerun replaced the focused slider meanwhile).
    input.addEventListener("keydown", (ev) => {
      const v = pad.values.length ? keyValue(pad, i, ev.key) : null; // (no values yet: nothing to step)
      if (v === null) return;
      ev.preventDefault();
      pad.dragging = true;
      pad.keyed = true;
      if (v === pad.values[i]) return;
      setValue(v, true);
      if (ev.repeat) reportSoon(pad);
    });
    input.addEventListener("input", () => {
      if (!pad.values.length) return;
      setValue(Number(input.value));
      if (pad.dragging) reportSoon(pad); else report(pad, true);
    });
    input.addEventListener("change", () => release(pad));
    track.appendChild(input);
    const film = el("div", "la-pad-film");
    film.hidden = true;
    for (let f = 0; f < FILM_FRAMES; f++) {
      const frame = el("button", "la-pad-frame");
      frame.type = "button";
      const canvas = el("canvas");
      canvas.width = data.out[2];
      canvas.height = data.out[1];
      frame.appendChild(canvas);
      frame.addEventListener("click", () => {
        pad.values[i] = Number(canvas.dataset.value);
        schedule(pad);
        report(pad, true);
        pad.film.forEach((j) => drawFilm(pad, j));
      });
      film.appendChild(frame);
    }
    const ends = el("div", "la-pad-ends"); // what the garment becomes at each end (from the feed)
    ends.hidden = true;
    ends.append(el("span", "la-pad-end-lo"), el("span", "la-pad-end-hi"));
    row.append(head, track, ends, film);
    list.appendChild(row);
    r.inputs.push(input); r.outputs.push(output); r.tracks.push(track); r.films.push(film); r.ends.push(ends);
  });
  controls.appendChild(list);
  if (data.guides_help) {
    const help = el("p", "la-pad-help", data.guides_help);
    controls.appendChild(help);
  }

  const view = el("figure", "la-pad-view");
  const labels = data.garment_labels || [data.garment_label || "Decoded garment"];
  const garments = el("div", `la-pad-garments${labels.length > 1 ? " la-pad-many" : ""}`);
  garments.style.gridTemplateColumns = `repeat(${labels.length}, minmax(0, 1fr))`;
  r.cellLabels = [];
  r.canvases = labels.map((label) => {
    const canvas = el("canvas", "la-pad-garment");
    canvas.width = data.out[2];
    canvas.height = data.out[1];
    canvas.style.aspectRatio = `${data.out[2]} / ${data.out[1]}`;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", label);
    if (!data.garment_labels && !data.frame_labels) { garments.appendChild(canvas); return canvas; }
    const cell = el("div", "la-pad-cell");
    const caption = el("span", "la-pad-cell-label", label);
    cell.append(canvas, caption);
    garments.appendChild(cell);
    r.cellLabels.push(caption);
    return canvas;
  });
  const fallback = el("img", "la-pad-garment la-pad-fallback");
  fallback.alt = labels[0];
  const note = el("figcaption", "la-pad-note");
  view.append(garments, fallback, note);
  const box = el("div", "la-pad-box");
  box.dataset.key = pad.key;
  root.append(controls, view);
  if (data.player) root.classList.add("la-pad-player");
  if (data.player) root.appendChild(stageBar(pad, r, box)); // under the frame slider
  else if (data.stage) view.appendChild(stageBar(pad, r, box)); // under the garment
  box.appendChild(root);
  r.box = box;
  r.canvas = r.canvases[0];
  r.ctxs = r.canvases.map((c) => c.getContext("2d"));
  r.images = r.ctxs.map((ctx) => ctx.createImageData(data.out[2], data.out[1]));
  r.fallback = fallback;
  r.note = note;
  // the pad drawn before (new labels rebuild it); ":scope >" matches nothing in a shadow root
  Array.from(parent.children).forEach((old) => { if (old.classList.contains("la-pad-box")) old.remove(); });
  parent.appendChild(box); // (the component's <style> lives beside it: keep it)
  return r;
}

// ------------------------------------------------------------------ the stage
// The player's bar (play, speed, loop or ping-pong) and, on every staged pad, full screen. Play
// moves the slider in the browser on every animation frame (the decoder draws each one); the
// server hears of it once, when play stops. The same canvases show play and rest, so nothing
// moves or resizes between the two.
const SPEEDS = [0.5, 1, 2, 4, 8]; // walk frames per second

function stageBar(pad, r, box) {
  const bar = el("div", "la-pad-bar");
  if (pad.data.player) {
    const playBtn = el("button", "la-pad-btn la-pad-play", "▶ Play");
    playBtn.type = "button";
    playBtn.addEventListener("click", () => setPlaying(pad, !pad.playing));
    const speed = el("select", "la-pad-speed");
    speed.setAttribute("aria-label", "Speed");
    speed.title = "Speed: frames of the walk per second (every screen refresh draws a garment)";
    SPEEDS.forEach((v) => {
      const o = el("option", "", `${v} frames/s`);
      o.value = String(v);
      speed.appendChild(o);
    });
    speed.value = String(pad.speed);
    speed.addEventListener("change", () => { pad.speed = Number(speed.value); });
    const bounce = el("label", "la-pad-toggle");
    const check = el("input");
    check.type = "checkbox";
    check.checked = pad.pingpong;
    check.addEventListener("change", () => { pad.pingpong = check.checked; });
    bounce.append(check, el("span", "", "Ping-pong"));
    bounce.title = "On: A → B → A → … ; off: A → B, then again from A";
    bar.append(playBtn, speed, bounce);
    Object.assign(r, { playBtn, speed, bounce: check });
  }
  const full = el("button", "la-pad-btn la-pad-full");
  full.type = "button";
  full.innerHTML = `<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4"/></svg><span>Full screen</span>`;
  full.title = "Show this large, on the whole screen (Esc leaves)";
  full.addEventListener("click", () => {
    if (box.getRootNode().fullscreenElement === box || document.fullscreenElement) document.exitFullscreen();
    else if (box.requestFullscreen) box.requestFullscreen().catch((err) => console.warn("latent pad: full screen refused", err));
  });
  bar.appendChild(full);
  r.full = full;
  return bar;
}

// The full-screen button says what it will do (the change may come from Esc, outside the pad).
document.addEventListener("fullscreenchange", () => {
  pads.forEach((pad) => {
    const r = pad.root;
    if (!r || !r.full) return;
    const on = r.box.getRootNode().fullscreenElement === r.box;
    r.full.querySelector("span").textContent = on ? "Leave full screen" : "Full screen";
    r.full.classList.toggle("la-on", on);
  });
});

function setPlaying(pad, on) {
  if (on === pad.playing || (on && !pad.decoder)) return;
  pad.playing = on;
  cancelAnimationFrame(pad.playFrame);
  pad.playFrame = 0;
  if (pad.root && pad.root.playBtn) {
    pad.root.playBtn.textContent = on ? "❚❚ Pause" : "▶ Play";
    pad.root.playBtn.classList.toggle("la-on", on);
  }
  if (on) {
    pad.playLast = performance.now();
    pad.playStats = { start: pad.playLast, frames: 0, distinct: 0, last: null };
    pad.playFrame = requestAnimationFrame((now) => playStep(pad, now));
  } else if (pad.values.length) { // rest on the nearest frame, and tell the server (its captions follow)
    const [lo, , step] = bounds(pad, 0);
    pad.values[0] = lo + Math.round((pad.values[0] - lo) / step) * step;
    schedule(pad);
    report(pad, true);
  }
}

function playStep(pad, now) {
  pad.playFrame = 0;
  if (!pad.playing || !pad.root || !pad.values.length) return;
  const dt = Math.min((now - pad.playLast) / 1000, 0.25); // (a hidden tab resumes, not leaps)
  pad.playLast = now;
  const [lo, hi] = bounds(pad, 0);
  let t = pad.values[0] + pad.playDir * pad.speed * dt;
  if (t > hi) {
    if (pad.pingpong) { t = hi - (t - hi); pad.playDir = -1; } else t = lo + (t - hi);
  } else if (t < lo) {
    if (pad.pingpong) { t = lo + (lo - t); pad.playDir = 1; } else t = hi - (lo - t);
  }
  pad.values[0] = Math.min(Math.max(t, lo), hi);
  paint(pad);
  const s = pad.playStats;
  s.frames += 1;
  if (s.last !== pad.values[0]) { s.distinct += 1; s.last = pad.values[0]; }
  pad.playFrame = requestAnimationFrame((n) => playStep(pad, n));
}

// The live caption under each garment of a walk: its t between the frames' t, and the nearest
// training garment of the nearest frame (the server's labels, sent once with the walk).
function showCells(pad) {
  const r = pad.root, data = pad.data;
  if (!r.cellLabels.length || !data.frame_labels || !pad.values.length) return;
  const f = pad.values[0], ts = data.frame_t || [];
  const i = Math.max(0, Math.min(ts.length - 1, Math.round(f)));
  const j = Math.min(Math.floor(f), ts.length - 2), w = f - j;
  const t = ts.length > 1 && j >= 0 ? ts[j] + w * (ts[j + 1] - ts[j]) : 0;
  r.cellLabels.forEach((label, g) => {
    const text = `${(data.garment_labels || [""])[g] || ""} · t = ${t.toFixed(2)} · ${data.frame_labels[g][i]}`;
    if (label.textContent !== text) label.textContent = text;
  });
}

// Apply a server-initiated change of the sliders, once per seq and not during a drag.
function applySet(pad) {
  const set = feeds[pad.key] && feeds[pad.key].set;
  if (!set || set.seq === pad.seq) return;
  pad.seq = set.seq;
  if (pad.dragging || pad.playing) return; // user wins: the drag's (or play's) own report follows
  if (set.values.length !== pad.data.sliders.length) return;
  pad.values = set.values.slice();
  if (pad.data.ranges && set.range) setRange(pad, set.range, false);
}

// Bring the pad up to date: server-set values, range, fallback image, guides, filmstrips, garment.
function refresh(pad) {
  const data = pad.data;
  applySet(pad);
  setRange(pad, pad.range, false);
  const r = pad.root;
  const server = !pad.decoder && data.fallback;
  r.canvases.forEach((c) => { c.hidden = !!server || !pad.decoder; });
  r.fallback.hidden = !server;
  if (server && data.fallback.image) r.fallback.src = data.fallback.image;
  r.note.textContent = data.fallback ? data.fallback.note : pad.decoder ? "" : "Loading the decoder…";
  r.root.classList.toggle("la-pad-server", !!server);
  // Until the feed brings the first values (its module can load after this one's), a slider has
  // nothing to step from: it is disabled, rather than taking a key press it would have to drop.
  r.inputs.forEach((input) => { input.disabled = !pad.values.length; });
  if (r.playBtn) r.playBtn.disabled = !pad.decoder;
  if (!pad.values.length) return;
  drawEnds(pad);
  pad.film.forEach((i) => drawFilm(pad, i));
  paint(pad);
}

function useWeights(pad) {
  const data = pad.data;
  if (!data.spec) { pad.decoder = null; return; }
  let decoder = decoders.get(data.hash);
  if (!decoder && data.weights) {
    try {
      decoder = new Decoder(data.spec, parseWeights(data.weights, data.spec.n_weights));
      decoders.set(data.hash, decoder);
    } catch (err) {
      console.error("latent pad: could not read the decoder's weights", err);
    }
  }
  pad.decoder = decoder || null;
  // The server sends the weights until it hears their hash back, and again after "missing".
  const have = data.weights && decoder ? data.hash : data.acked && !decoder ? "missing" : null;
  if (have && pad.reported !== have) {
    pad.reported = have;
    pad.setStateValue("have", have);
  }
}

export default function ({ data, key: elementId, parentElement, setStateValue }) {
  const key = data.pad_key || elementId; // the Python key: stable across remounts
  let pad = pads.get(key);
  if (!pad) { pad = newPad(key); pads.set(key, pad); }
  pad.setStateValue = setStateValue;
  const shape = [data.sliders, data.ranges, data.out, data.film, data.garment_labels, !!data.player, !!data.stage, !!data.frame_labels];
  const rebuild = !pad.root || !parentElement.contains(pad.root.root) || JSON.stringify(pad.shape) !== JSON.stringify(shape);
  pad.data = data;
  pad.shape = shape;
  if (pad.values.length && pad.values.length !== data.sliders.length) pad.values = [];
  if (rebuild) {
    pad.root = build(pad, parentElement);
    if (pad.playing && pad.root.playBtn) { pad.root.playBtn.textContent = "❚❚ Pause"; pad.root.playBtn.classList.add("la-on"); }
  }
  useWeights(pad);
  refresh(pad);
  if (!pad.up) {
    pad.up = () => release(pad);
    pad.keyup = () => { if (pad.keyed) release(pad); };
    window.addEventListener("pointerup", pad.up);
    window.addEventListener("pointercancel", pad.up);
    window.addEventListener("keyup", pad.keyup);
  }
  // for tests and benchmarks: the decoder and timings of this pad
  window.__latentPads = window.__latentPads || {};
  window.__latentPads[key] = {
    decode: (z) => (pad.decoder ? Array.from(pad.decoder.decode(z)) : null),
    pixels: (z) => {
      if (!pad.decoder) return null;
      const { channels: c, height: h, width: w } = pad.decoder;
      const px = pad.decoder.draw(z, new ImageData(w, h)).data, out = [];
      for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out.push(px[4 * p + k]);
      return out; // (H, W, C) bytes as drawn on the canvas
    },
    forget: () => { decoders.clear(); pad.decoder = null; }, // tests: a browser that lost the weights
    loseNextReport: () => { pad.lose = true; }, // tests: a report that never reaches the server
    stats: () => ({ ready: !!pad.decoder, kernel: pad.decoder ? pad.decoder.kernel : null, frames: pad.frames, decodeMs: pad.decodeMs.slice(), n: pad.n, seq: pad.seq, values: pad.values.slice(), range: pad.range, resent: pad.resent, taken: takenOf(pad), playing: pad.playing, play: pad.playStats && { ...pad.playStats, ms: performance.now() - pad.playStats.start } }),
    play: (on) => setPlaying(pad, on), // (benchmarks)
  };
  // Streamlit can mount the element anew (its place on the page moved: Linear -> Both adds a strip
  // above) before it unmounts the old one: the old mount's cleanup then must leave the new alone.
  const mine = pad.root;
  return () => {
    if (pad.root !== mine) return;
    window.removeEventListener("pointerup", pad.up);
    window.removeEventListener("pointercancel", pad.up);
    window.removeEventListener("keyup", pad.keyup);
    pad.up = null;
    cancelAnimationFrame(pad.frame);
    pad.frame = 0;
    cancelAnimationFrame(pad.playFrame);
    pad.playFrame = 0;
    pad.playing = false;
    clearTimeout(pad.resend);
    if (pad.timer) report(pad, true);
    pad.dragging = false;
    pad.root = null;
  };
}
