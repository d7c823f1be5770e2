import { tf } from '../../tf/backend';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export interface SequenceLstmArgs {
  units: number;
  /** Every step's output [n, steps, units] (for a next recurrent layer), or only the last one [n, units]. */
  returnSequences: boolean;
  /** Seeds of the glorotUniform initializers of the input and recurrent kernels. */
  kernelSeed?: number;
  recurrentSeed?: number;
}

/**
 * The forward pass over a whole sequence and its gradient (backpropagation through time), as one op.
 * The math of tf.layers.lstm: z = x_t·W + h·U + b split into gates i, f, c, o; i, f, o = hard sigmoid
 * (clip(0.2·z + 0.5, 0, 1)), g = tanh(z_c); c = f·c + i·g; h = o·tanh(c); h and c start at zero.
 *
 * tf.layers.lstm runs each step as ~20 small ops on the gradient tape and differentiates them one by
 * one: ~140 kernel calls per step and batch, which on wasm cost more than the arithmetic (W6 of
 * bench/models/deep.ts). Here only the recurrence is per step (13 calls forward, 6 backward); x·W for
 * all steps, the gates' derivatives, and the weight gradients (Xᵀ·dZ, Hᵀ·dZ, Σ dZ) are each one batched
 * op over steps × rows.
 */
function lstmSequence(returnSequences: boolean): (x: tf.Tensor, kernel: tf.Tensor, recurrent: tf.Tensor, bias: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad(((x: tf.Tensor3D, kernel: tf.Tensor2D, recurrent: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [n, steps, features] = x.shape;
    const units = recurrent.shape[0];
    const xt = tf.reshape(tf.transpose(x, [1, 0, 2]), [steps * n, features]); // step-major rows
    const projected = tf.unstack(tf.reshape(tf.add(tf.matMul(xt, kernel), bias), [steps, n, 4 * units]));
    let h: tf.Tensor2D = tf.zeros([n, units]);
    let c: tf.Tensor2D = tf.zeros([n, units]);
    const zs: tf.Tensor[] = [];
    const hs: tf.Tensor[] = [h]; // h_0 … h_T
    const cs: tf.Tensor[] = [c]; // c_0 … c_T
    for (let t = 0; t < steps; t++) {
      const z = tf.add(projected[t]!, tf.matMul(h, recurrent));
      const [i, f, , o] = tf.split(tf.clipByValue(tf.add(tf.mul(z, 0.2), 0.5), 0, 1), 4, 1);
      const g = tf.tanh(tf.slice(z, [0, 2 * units], [n, units]));
      c = tf.add(tf.mul(f!, c), tf.mul(i!, g));
      h = tf.mul(o!, tf.tanh(c));
      zs.push(z);
      hs.push(h);
      cs.push(c);
    }
    const z = tf.stack(zs); // [T, n, 4u]
    const hAll = tf.stack(hs); // [T + 1, n, u]
    const cAll = tf.stack(cs);
    save([xt, z, hAll, cAll, kernel, recurrent]);
    const value = returnSequences ? tf.transpose(tf.slice(hAll, [1, 0, 0], [steps, n, units]), [1, 0, 2]) : h;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, zAll, hSaved, cSaved, w, u] = saved as [tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
      // Everything that does not depend on the incoming gradient, for all steps at once.
      const linear = tf.add(tf.mul(zAll, 0.2), 0.5);
      const [gi, gf, , go] = tf.split(tf.clipByValue(linear, 0, 1), 4, 2);
      // The hard sigmoid's slope: 0.2 where clip passed its input (bounds included, as tf's clipByValue gradient).
      const [si, sf, , so] = tf.split(tf.mul(tf.cast(tf.logicalAnd(tf.greaterEqual(linear, 0), tf.lessEqual(linear, 1)), 'float32'), 0.2), 4, 2);
      const g = tf.tanh(tf.slice(zAll, [0, 0, 2 * units], [steps, n, units]));
      const cPrev = tf.slice(cSaved, [0, 0, 0], [steps, n, units]);
      const tc = tf.tanh(tf.slice(cSaved, [1, 0, 0], [steps, n, units]));
      // dc_t += dh_t · A_t; dz_t = [dc, dc, dc, dh]_t · B_t; dc_{t-1} = dc_t · f_t; dh_{t-1} = dz_t · Uᵀ
      const a = tf.unstack(tf.mul(go!, tf.sub(1, tf.square(tc))));
      const b = tf.unstack(tf.concat([tf.mul(g, si!), tf.mul(cPrev, sf!), tf.mul(gi!, tf.sub(1, tf.square(g))), tf.mul(tc, so!)], 2));
      const forget = tf.unstack(gf!);
      const uT = tf.transpose(u);
      const perStep = returnSequences ? tf.unstack(tf.transpose(dy, [1, 0, 2])) : undefined;
      let dh: tf.Tensor = perStep ? perStep[steps - 1]! : dy;
      let dc: tf.Tensor = tf.zerosLike(dh);
      const dzs: tf.Tensor[] = new Array(steps);
      for (let t = steps - 1; t >= 0; t--) {
        dc = tf.add(dc, tf.mul(dh, a[t]!));
        const dz = tf.mul(tf.concat([dc, dc, dc, dh], 1), b[t]!);
        dzs[t] = dz;
        if (t === 0) break;
        dc = tf.mul(dc, forget[t]!);
        dh = tf.matMul(dz, uT);
        if (perStep) dh = tf.add(dh, perStep[t - 1]!);
      }
      const dz = tf.reshape(tf.stack(dzs), [steps * n, 4 * units]);
      const hPrev = tf.reshape(tf.slice(hSaved, [0, 0, 0], [steps, n, units]), [steps * n, units]);
      const dx = tf.transpose(tf.reshape(tf.matMul(dz, w, false, true), [steps, n, features]), [1, 0, 2]);
      return [dx, tf.matMul(xs, dz, true, false), tf.matMul(hPrev, dz, true, false), tf.sum(dz, 0)];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op as (x: tf.Tensor, kernel: tf.Tensor, recurrent: tf.Tensor, bias: tf.Tensor) => tf.Tensor;
}

const forward = { last: lstmSequence(false), sequences: lstmSequence(true) };

/**
 * tf.layers.lstm for an unmasked sequence [n, steps, features], same weights (kernel, recurrent_kernel,
 * bias), same initial values from the same seeds, same results, several times faster to train on
 * wasm (see lstmSequence). Masked sequences (text with padding) and bidirectional layers keep
 * tf.layers.lstm.
 */
export class SequenceLstm extends tf.layers.Layer {
  static readonly className = 'SequenceLstm';
  readonly units: number;
  readonly returnSequences: boolean;
  readonly kernelSeed: number | undefined;
  readonly recurrentSeed: number | undefined;
  private kernel?: tf.LayerVariable;
  private recurrentKernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: LayerArgs & SequenceLstmArgs) {
    super(args);
    this.units = args.units;
    this.returnSequences = args.returnSequences;
    this.kernelSeed = args.kernelSeed;
    this.recurrentSeed = args.recurrentSeed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const features = (inputShape as number[]).at(-1)!;
    this.kernel = this.addWeight('kernel', [features, 4 * this.units], 'float32', tf.initializers.glorotUniform({ seed: this.kernelSeed }));
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, 4 * this.units], 'float32', tf.initializers.glorotUniform({ seed: this.recurrentSeed }));
    this.bias = this.addWeight('bias', [4 * this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, steps] = inputShape as tf.Shape;
    return this.returnSequences ? [n!, steps!, this.units] : [n!, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy('SequenceLstm', () => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const run = this.returnSequences ? forward.sequences : forward.last;
      return run(x, this.kernel!.read(), this.recurrentKernel!.read(), this.bias!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      returnSequences: this.returnSequences,
      ...(this.kernelSeed === undefined ? {} : { kernelSeed: this.kernelSeed }),
      ...(this.recurrentSeed === undefined ? {} : { recurrentSeed: this.recurrentSeed }),
    };
  }
}

tf.serialization.registerClass(SequenceLstm);
