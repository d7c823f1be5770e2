/**
 * The row–centroid distance loops of k-means as a small WebAssembly module using 128-bit SIMD
 * (two float64 lanes), assembled here from opcodes: on the W1 workload about twice as fast as the
 * best JavaScript loop we wrote (whose typed-array accesses each carry a bounds check). Results are
 * bit-identical to the plain JavaScript loops in runtime/ml/kmeans.ts: the same float64 multiplications
 * and additions in the same order (no fused multiply-add), so either path gives the same clusters.
 *
 * Layout, in the caller's memory: rows row-major (n × d float64); centroids transposed and padded
 * (ct[j * kp + c], kp a multiple of 4) with their squared norms (kp float64, +Infinity for padding).
 * Both functions take row pairs (n even; the caller does an odd last row).
 *
 *   assign(x, n, d, ct, kp, norms, labels, partial, sums, counts, fuse) → rows whose label changed
 *     labels[i] = nearest centroid, partial[i] = ‖c‖² − 2·x·c for it; when fuse ≠ 0 also
 *     counts[c] += 1 and sums[c·d + j] += x_j (float64), for the centroid update.
 *   distances(x, n, d, ct, kp, norms, rowNorms, out, stride) → nothing
 *     out[c·stride + i] = max(‖x_i‖² + ‖c‖² − 2·x_i·c, 0) for every centroid c < kp.
 */

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (text: string) => [...uleb(text.length), ...Array.from(text, (ch) => ch.charCodeAt(0))];

/** A function body under construction: locals by name, opcodes appended in order. */
class Body {
  readonly code: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly extra: number[] = [];

  constructor(params: string[]) {
    params.forEach((p, i) => this.index.set(p, i));
  }

  local(type: number, ...names: string[]): void {
    for (const n of names) {
      this.index.set(n, this.index.size);
      this.extra.push(type);
    }
  }

  private at(n: string): number {
    const i = this.index.get(n);
    if (i === undefined) throw new Error(`simd: no local ${n}`);
    return i;
  }

  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(n: string): this {
    return this.op(0x20, ...uleb(this.at(n)));
  }
  set(n: string): this {
    return this.op(0x21, ...uleb(this.at(n)));
  }
  i32(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  f64(v: number): this {
    return this.op(0x44, ...new Uint8Array(Float64Array.of(v).buffer));
  }
  simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }
  /** v128.const with v in both float64 lanes. */
  f64x2(v: number): this {
    const bytes = Array.from(new Uint8Array(Float64Array.of(v).buffer));
    return this.simd(V128_CONST, ...bytes, ...bytes);
  }
  /** local n += (i32) v. */
  addTo(n: string, v: number): this {
    return this.get(n).i32(v).op(0x6a).set(n);
  }
  /** loop while (i32) a < b: `body` then the increment, inside block/loop. */
  forLoop(counter: string, limit: string, step: number, body: () => void): this {
    this.i32(0).set(counter);
    this.op(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(counter).get(limit).op(0x4e, 0x0d, 0x01); // i32.ge_s, br_if 1 (out of the block)
    body();
    this.addTo(counter, step);
    this.op(0x0c, 0x00, 0x0b, 0x0b); // br 0 (loop), end loop, end block
    return this;
  }

  encode(): number[] {
    // Locals grouped by runs of the same type.
    const groups: number[][] = [];
    for (const type of this.extra) {
      const last = groups.at(-1);
      if (last && last[1] === type) last[0]++;
      else groups.push([1, type]);
    }
    const body = [...vec(groups.map(([count, type]) => [...uleb(count), type])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

const F64X2_ADD = 0xf0;
const F64X2_SUB = 0xf1;
const F64X2_MUL = 0xf2;
const F64X2_SPLAT = 0x14;
const F64X2_EXTRACT = 0x21;
const V128_LOAD = 0x00;
const V128_CONST = 0x0c;
const V128_STORE = 0x0b;
const V128_STORE64_LANE = 0x5b;
const F64X2_MAX = 0xf5;
const F64X2_NEAREST = 0x94;
const I32X4_TRUNC_SAT_F64X2_S_ZERO = 0xfc;
const I64X2_EXTEND_LOW_I32X4_S = 0xc7;
const I64X2_SPLAT = 0x12;
const I64X2_ADD = 0xce;
const I64X2_SHL = 0xcb;
const F32X4_DEMOTE_F64X2_ZERO = 0x5e;
const memarg = (align: number, offset: number) => [...uleb(align), ...uleb(offset)];

/** Accumulator of `row` (0, 1) holding centroids c + 2v, c + 2v + 1. */
const acc = (row: number, v: number) => `a${row}_${v}`;

/**
 * Shared by both functions: for rows i, i+1 (pointers xo0, xo1) and centroids c..c+3, leaves in
 * acc(row, v) = nv − 2·x·c for centroids c + 2v, c + 2v + 1, where nv are the centroids' squared
 * norms plus `base0` / `base1` (splatted; only for distances: ‖x‖²). Measured on W1 and not kept:
 * blocks of 8 centroids (no faster) and of 4 rows (~10% slower: more live vectors than registers).
 */
function emitBlock(b: Body, withBase: boolean): void {
  const vs = 2;
  for (let row = 0; row < 2; row++) for (let v = 0; v < vs; v++) b.simd(V128_CONST, ...new Array(16).fill(0)).set(acc(row, v));
  b.get('ct').get('c').i32(3).op(0x74, 0x6a).set('cp'); // cp = ct + c·8
  b.get('xo0').set('px0').get('xo1').set('px1');
  b.forLoop('j', 'd', 1, () => {
    b.get('px0').op(0x2b, ...memarg(3, 0)).simd(F64X2_SPLAT).set('x0');
    b.get('px1').op(0x2b, ...memarg(3, 0)).simd(F64X2_SPLAT).set('x1');
    for (let v = 0; v < vs; v++) {
      for (let row = 0; row < 2; row++) {
        b.get(acc(row, v)).get(row ? 'x1' : 'x0').get('cp').simd(V128_LOAD, ...memarg(4, 16 * v)).simd(F64X2_MUL).simd(F64X2_ADD).set(acc(row, v));
      }
    }
    b.get('cp').get('kpBytes').op(0x6a).set('cp');
    b.addTo('px0', 8).addTo('px1', 8);
  });
  for (let row = 0; row < 2; row++) {
    for (let v = 0; v < vs; v++) {
      // nv = norms[c + 2v ..] (+ base); acc = nv − (acc + acc)
      b.get('norms').get('c').i32(3).op(0x74, 0x6a).simd(V128_LOAD, ...memarg(4, 16 * v));
      if (withBase) b.get(row === 0 ? 'base0' : 'base1').simd(F64X2_SPLAT).simd(F64X2_ADD);
      b.get(acc(row, v)).get(acc(row, v)).simd(F64X2_ADD).simd(F64X2_SUB).set(acc(row, v));
    }
  }
}

const BLOCK_LOCALS = (b: Body) => {
  b.local(I32, 'i', 'j', 'c', 'xo0', 'xo1', 'px0', 'px1', 'cp', 'rowBytes', 'kpBytes');
  b.local(V128, acc(0, 0), acc(0, 1), acc(1, 0), acc(1, 1), 'x0', 'x1');
};

/** Row pointers xo0, xo1 for row pair i. */
function emitRows(b: Body): void {
  b.get('x').get('i').get('rowBytes').op(0x6c, 0x6a).set('xo0');
  b.get('xo0').get('rowBytes').op(0x6a).set('xo1');
}

/** Centroids four at a time; `after` consumes each block's accumulators. */
function emitCentroidBlocks(b: Body, withBase: boolean, after: () => void): void {
  b.forLoop('c', 'kp', 4, () => {
    emitBlock(b, withBase);
    after();
  });
}

function assignBody(): Body {
  const b = new Body(['x', 'n', 'd', 'ct', 'kp', 'norms', 'labels', 'partial', 'sums', 'counts', 'fuse']);
  BLOCK_LOCALS(b);
  b.local(I32, 'best0', 'best1', 'changed', 'p', 'q', 'pairs', 'lt');
  b.local(F64, 'bv0', 'bv1', 'v');
  b.get('d').i32(3).op(0x74).set('rowBytes');
  b.get('kp').i32(3).op(0x74).set('kpBytes');
  b.i32(0).set('changed');
  b.get('d').i32(1).op(0x75).set('pairs'); // d >> 1 (i32.shr_s)
  b.forLoop('i', 'n', 2, () => {
    emitRows(b);
    b.f64(Infinity).set('bv0').f64(Infinity).set('bv1').i32(0).set('best0').i32(0).set('best1');
    emitCentroidBlocks(b, false, () => {
      for (let row = 0; row < 2; row++) {
        const bv = row ? 'bv1' : 'bv0';
        const best = row ? 'best1' : 'best0';
        for (let m = 0; m < 4; m++) {
          // lt = v < bv; best = lt ? c + m : best; bv = lt ? v : bv (selects: no branch to mispredict)
          b.get(acc(row, m >> 1)).simd(F64X2_EXTRACT, m & 1).set('v');
          b.get('v').get(bv).op(0x63).set('lt');
          b.get('c').i32(m).op(0x6a).get(best).get('lt').op(0x1b).set(best);
          b.get('v').get(bv).get('lt').op(0x1b).set(bv);
        }
      }
    });
    for (const [row, best, bv] of [
      [0, 'best0', 'bv0'],
      [1, 'best1', 'bv1'],
    ] as const) {
      // p = labels + (i + row)·4: changed += labels[p] ≠ best; labels[p] = best; partial[i + row] = bv
      b.get('labels').get('i').i32(row).op(0x6a).i32(2).op(0x74, 0x6a).set('p');
      b.get('changed').get('p').op(0x28, ...memarg(2, 0)).get(best).op(0x47, 0x6a).set('changed');
      b.get('p').get(best).op(0x36, ...memarg(2, 0));
      b.get('partial').get('i').i32(row).op(0x6a).i32(3).op(0x74, 0x6a).get(bv).op(0x39, ...memarg(3, 0));
    }
    b.get('fuse').op(0x04, 0x40); // if (fuse)
    for (const [best, xo] of [
      ['best0', 'xo0'],
      ['best1', 'xo1'],
    ] as const) {
      // counts[best] += 1
      b.get('counts').get(best).i32(3).op(0x74, 0x6a).set('p');
      b.get('p').get('p').op(0x2b, ...memarg(3, 0)).f64(1).op(0xa0).op(0x39, ...memarg(3, 0));
      // sums[best·d + j] += x_j, two columns at a time, then the odd last one
      b.get('sums').get(best).get('rowBytes').op(0x6c, 0x6a).set('p');
      b.get(xo).set('q');
      b.forLoop('j', 'pairs', 1, () => {
        b.get('p').get('p').simd(V128_LOAD, ...memarg(3, 0)).get('q').simd(V128_LOAD, ...memarg(3, 0)).simd(F64X2_ADD).simd(V128_STORE, ...memarg(3, 0));
        b.addTo('p', 16).addTo('q', 16);
      });
      b.get('d').i32(1).op(0x71, 0x04, 0x40); // if (d & 1)
      b.get('p').get('p').op(0x2b, ...memarg(3, 0)).get('q').op(0x2b, ...memarg(3, 0)).op(0xa0).op(0x39, ...memarg(3, 0));
      b.op(0x0b);
    }
    b.op(0x0b); // end if
  });
  b.get('changed');
  return b;
}

function distancesBody(): Body {
  const b = new Body(['x', 'n', 'd', 'ct', 'kp', 'norms', 'rowNorms', 'out', 'stride']);
  BLOCK_LOCALS(b);
  b.local(I32, 'p', 'nBytes');
  b.local(F64, 'base0', 'base1');
  b.get('d').i32(3).op(0x74).set('rowBytes');
  b.get('kp').i32(3).op(0x74).set('kpBytes');
  b.get('stride').i32(3).op(0x74).set('nBytes');
  b.forLoop('i', 'n', 2, () => {
    emitRows(b);
    b.get('rowNorms').get('i').i32(3).op(0x74, 0x6a).set('p');
    b.get('p').op(0x2b, ...memarg(3, 0)).set('base0');
    b.get('p').op(0x2b, ...memarg(3, 8)).set('base1');
    emitCentroidBlocks(b, true, () => {
      // out[(c + m)·stride + i + row] = max(value, 0)
      for (let row = 0; row < 2; row++) {
        for (let m = 0; m < 4; m++) {
          b.get('out').get('c').i32(m).op(0x6a).get('nBytes').op(0x6c, 0x6a).get('i').i32(row).op(0x6a).i32(3).op(0x74, 0x6a);
          b.get(acc(row, m >> 1)).simd(F64X2_EXTRACT, m & 1).f64(0).op(0xa5).op(0x39, ...memarg(3, 0));
        }
      }
    });
  });
  return b;
}

/**
 * dots(xt, n8, d, xu2, out, stride): out[v] = Σ_j xu[j]·xt[j·stride + v] for v < n8 (a multiple of
 * 8), xt column-major, xu2 the row with each value doubled into both lanes: a kernel row's dot
 * products, eight at a time (four accumulators, one broadcast per column).
 */
/**
 * Shared by dots and rbfRow: a0..a3 = the dot products of x_u (xu2, each value in both lanes) with
 * rows v..v+7 of the column-major xt.
 */
function emitColumnDots(b: Body): void {
  for (const a of ['a0', 'a1', 'a2', 'a3']) b.simd(V128_CONST, ...new Array(16).fill(0)).set(a);
  b.get('xt').get('v').i32(3).op(0x74, 0x6a).set('p');
  b.get('xu2').set('q');
  b.forLoop('j', 'd', 1, () => {
    b.get('q').simd(V128_LOAD, ...memarg(4, 0)).set('s');
    ['a0', 'a1', 'a2', 'a3'].forEach((a, m) => b.get(a).get('s').get('p').simd(V128_LOAD, ...memarg(3, 16 * m)).simd(F64X2_MUL).simd(F64X2_ADD).set(a));
    b.addTo('q', 16);
    b.get('p').get('strideBytes').op(0x6a).set('p');
  });
}

const COLUMN_DOT_LOCALS = (b: Body) => {
  b.local(I32, 'v', 'j', 'p', 'q', 'strideBytes');
  b.local(V128, 'a0', 'a1', 'a2', 'a3', 's');
};

function dotsBody(): Body {
  const b = new Body(['xt', 'n', 'd', 'xu2', 'out', 'stride']);
  COLUMN_DOT_LOCALS(b);
  b.get('stride').i32(3).op(0x74).set('strideBytes');
  b.forLoop('v', 'n', 8, () => {
    emitColumnDots(b);
    ['a0', 'a1', 'a2', 'a3'].forEach((a, m) => b.get('out').get('v').i32(3).op(0x74, 0x6a).get(a).simd(V128_STORE, ...memarg(3, 16 * m)));
  });
  return b;
}

/**
 * rbfRow(xt, n8, d, xu2, out, stride, norms, nu, g): out[v] = float32(exp(−g·(nu + norms[v] − 2·x_u·x_v)))
 * for v < n8 (a multiple of 8): a whole RBF kernel row, dot products as in `dots`, exp as
 * 2^k · e^r (r = z − k·ln 2, |r| ≤ ln 2 / 2) with a degree-10 Taylor polynomial (relative error
 * below 1e-12, far under float32's 6e-8), z clamped at −110 (where float32 is 0 anyway).
 */
function rbfRowBody(): Body {
  const b = new Body(['xt', 'n', 'd', 'xu2', 'out', 'stride', 'norms', 'nu', 'g']);
  COLUMN_DOT_LOCALS(b);
  b.local(V128, 'z', 'k', 'r', 'e');
  b.get('stride').i32(3).op(0x74).set('strideBytes');
  b.forLoop('v', 'n', 8, () => {
    emitColumnDots(b);
    ['a0', 'a1', 'a2', 'a3'].forEach((a, m) => {
      // z = max(−g · ((nu + norms[v..]) − (a + a)), −110)
      b.get('g').op(0x9a).simd(F64X2_SPLAT); // f64.neg
      b.get('nu').simd(F64X2_SPLAT).get('norms').get('v').i32(3).op(0x74, 0x6a).simd(V128_LOAD, ...memarg(3, 16 * m)).simd(F64X2_ADD);
      b.get(a).get(a).simd(F64X2_ADD).simd(F64X2_SUB).simd(F64X2_MUL);
      b.f64x2(-110).simd(F64X2_MAX).set('z');
      // k = nearest(z / ln 2); r = z − k·ln2_hi − k·ln2_lo
      b.get('z').f64x2(Math.LOG2E).simd(F64X2_MUL).simd(F64X2_NEAREST).set('k');
      b.get('z').get('k').f64x2(6.93147180369123816490e-1).simd(F64X2_MUL).simd(F64X2_SUB);
      b.get('k').f64x2(1.90821492927058770002e-10).simd(F64X2_MUL).simd(F64X2_SUB).set('r');
      // e^r by Horner, from 1/10! down to 1
      let factorial = 3628800;
      b.f64x2(1 / factorial).set('e');
      for (let i = 9; i >= 0; i--) {
        factorial /= i + 1;
        b.get('e').get('r').simd(F64X2_MUL).f64x2(1 / factorial).simd(F64X2_ADD).set('e');
      }
      // × 2^k: the exponent bits (k + 1023) << 52
      b.get('e').get('k').simd(I32X4_TRUNC_SAT_F64X2_S_ZERO).simd(I64X2_EXTEND_LOW_I32X4_S);
      b.i32(1023).op(0xac).simd(I64X2_SPLAT).simd(I64X2_ADD).i32(52).simd(I64X2_SHL).simd(F64X2_MUL); // i64.extend_i32_s
      // out[v + 2m .. +1] = float32
      b.simd(F32X4_DEMOTE_F64X2_ZERO).set('e');
      b.get('out').get('v').i32(2).op(0x74, 0x6a).get('e').simd(V128_STORE64_LANE, ...memarg(2, 8 * m), 0);
    });
  });
  return b;
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const assign = assignBody();
  const distances = distancesBody();
  const dots = dotsBody();
  const rbfRow = rbfRowBody();
  const types = [
    [0x60, ...vec(new Array(11).fill([I32])), ...vec([[I32]])],
    [0x60, ...vec(new Array(9).fill([I32])), ...vec([])],
    [0x60, ...vec(new Array(6).fill([I32])), ...vec([])],
    [0x60, ...vec([...new Array(7).fill([I32]), [F64], [F64]]), ...vec([])],
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])), // memory import, min 1 page
    ...section(3, vec([[0], [1], [2], [3]])),
    ...section(7, vec([[...name('assign'), 0x00, 0], [...name('distances'), 0x00, 1], [...name('dots'), 0x00, 2], [...name('rbfRow'), 0x00, 3]])),
    ...section(10, vec([assign.encode(), distances.encode(), dots.encode(), rbfRow.encode()])),
  ]);
}

export interface SimdKernels {
  memory: WebAssembly.Memory;
  assign(x: number, n: number, d: number, ct: number, kp: number, norms: number, labels: number, partial: number, sums: number, counts: number, fuse: number): number;
  distances(x: number, n: number, d: number, ct: number, kp: number, norms: number, rowNorms: number, out: number, stride: number): void;
  dots(xt: number, n8: number, d: number, xu2: number, out: number, stride: number): void;
  rbfRow(xt: number, n8: number, d: number, xu2: number, out: number, stride: number, norms: number, nu: number, g: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** Fresh kernels over a fresh memory of at least `bytes` (null where WebAssembly SIMD is missing, above 2 GiB, or when the memory cannot be had). */
export function simdKernels(bytes: number): SimdKernels | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes());
    } catch {
      compiled = null;
    }
  }
  if (!compiled || bytes > 2 ** 31) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  } catch {
    return null; // no room for it now: the caller's plain JavaScript path does the same work
  }
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  const exports = instance.exports as unknown as Omit<SimdKernels, 'memory'>;
  return { memory, assign: exports.assign, distances: exports.distances, dots: exports.dots, rbfRow: exports.rbfRow };
}
